import { apiHealthUrl } from "./models/healthchecks";
import { deployRobotoff } from "./services/robotoff";
import { Deployment } from "./services/deployment";

const { deployment, spec } = deployRobotoff();
const onContainers = deployment instanceof Deployment ? deployment : undefined;

export const networkName = deployment.network.name;
/** Each service's container, or the names of its copies (robotoff:app.api.release rolling). */
export const containers =
  onContainers &&
  Object.fromEntries([...onContainers.services].map(([svc, s]) => [svc, s.containers.length > 1 ? s.containers.map((c) => c.name) : s.container.name]));
/** With robotoff:target swarm: the Swarm service of each compose service. */
export const swarmServices = onContainers
  ? undefined
  : Object.fromEntries([...deployment.services].map(([svc, s]) => [svc, (s as { service: { name: unknown } }).service.name]));
export const images = Object.fromEntries(spec.images.map((i) => [i.key, i.reference]));
/** The api's health URL on its Docker host, as livecheck fetches it. */
export const apiUrl = apiHealthUrl(spec);
/** The database password the containers use (generated in dev); read it with --show-secrets. */
export const postgresPassword = deployment.secrets.postgresPassword;
