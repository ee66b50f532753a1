import { apiHealthUrl } from "./models/healthchecks";
import { deployRobotoff } from "./services/robotoff";

const { deployment, spec } = deployRobotoff();

export const networkName = deployment.networkName;
/** Each service's container, or the names of its copies (robotoff:app.api.release rolling); not on swarm. */
export const containers = deployment.workloads.containers;
/** With robotoff:target swarm: the Swarm service of each compose service. */
export const swarmServices = deployment.workloads.swarmServices;
export const images = Object.fromEntries(spec.images.map((i) => [i.key, i.reference]));
/** The api's health URL on its Docker host, as livecheck fetches it. */
export const apiUrl = apiHealthUrl(spec);
/** The database password the containers use (generated in dev); read it with --show-secrets. */
export const postgresPassword = deployment.secrets.postgresPassword;
