import { apiHealthUrl } from "./models/healthchecks";
import { deployRobotoff } from "./services/robotoff";

const { deployment, spec } = deployRobotoff();

export const networkName = deployment.network.name;
export const containers = Object.fromEntries([...deployment.services].map(([svc, s]) => [svc, s.container.name]));
export const images = Object.fromEntries(spec.images.map((i) => [i.key, i.reference]));
/** The api's health URL on its Docker host, as livecheck fetches it. */
export const apiUrl = apiHealthUrl(spec);
/** The database password the containers use (generated in dev); read it with --show-secrets. */
export const postgresPassword = deployment.secrets.postgresPassword;
