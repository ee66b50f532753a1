/** Generation 2026-06: every compose fact of the three combinations upstream deploys, on what the program registers. */
import { STACK_FILES_2026, REFERENCE_2026, VOLUME_NAMES_2026, type Env2026 } from "./fixtures/reference-2026";
import { describeStackFacts } from "./stack-facts";
import { describePolicies } from "./stack-rules";

for (const env of ["dev", "staging", "prod"] as Env2026[]) {
  const dev = env === "dev";
  describeStackFacts(env, {
    file: STACK_FILES_2026[env],
    reference: REFERENCE_2026[env],
    rolling: !dev,
    ...(dev ? { plainMongoUri: "mongodb://mongodb:27017" } : {}),
    dsnSuffix: "@postgres.robotoff_default:5432/robotoff?sslmode=disable",
    generated: dev ? ["robotoff-elasticPassword", "robotoff-postgresPassword"] : [],
    networkName: "robotoff_default",
    volumeNames: VOLUME_NAMES_2026,
    ...(dev
      ? {
          devBuild: {
            name: "openfoodfacts/robotoff:dev",
            build: { context: "/srv/robotoff", target: "runtime-dev", buildArgs: { OFF_UID: "1000", OFF_GID: "1000", PYTHON_VERSION: "3.11" } },
            triggers: { Dockerfile: "absent", "pyproject.toml": "absent", "uv.lock": "absent" },
          },
        }
      : {}),
  });
  describePolicies(env, env, STACK_FILES_2026[env]);
}
