import { deployRobotoff } from "./services/robotoff";

const { deployment, spec } = deployRobotoff();

export const networkName = deployment.network.name;
export const containers = Object.fromEntries([...deployment.services].map(([svc, s]) => [svc, s.container.name]));
export const images = Object.fromEntries(spec.images.map((i) => [i.key, i.reference]));
export const apiUrl = spec.services
  .find((s) => s.name === "api")
  ?.ports.map((p) => `http://${p.ip ?? "localhost"}:${p.port}/api/v1/health`)[0];
/** The database password the containers use (generated in dev); read it with --show-secrets. */
export const postgresPassword = deployment.secrets.postgresPassword;
