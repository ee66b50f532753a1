/** staging (openfoodfacts.net) has prod's shape with the .net values of the upstream deploy workflow. */
import { describe, expect, it } from "vitest";
import type { Rendered } from "../tools/render/offline";
import { securePlaceholder } from "../tools/shared/stack-file";
import { containerOf, envOf, renderStack, beforeAllTests } from "./harness";
import { describeGraph, describePolicies, describeStackRules, describeStateKept } from "./stack-rules";

describe("staging: the app containers", () => {
  let r: Rendered;
  beforeAllTests(async () => {
    r = await renderStack("staging-2022");
  });
  for (const service of ["api", "workers", "scheduler"]) {
    it(`${service} targets openfoodfacts.net and its metrics database`, () => {
      const { vars, secret } = envOf(containerOf(r, service));
      expect(secret).toBe(true);
      expect(vars).toMatchObject({
        ROBOTOFF_INSTANCE: "dev", // robotoff: instance "dev" means the .net domain
        ROBOTOFF_DOMAIN: "openfoodfacts.net",
        ROBOTOFF_SCHEME: "https",
        STATIC_OFF_DOMAIN: "https://static.openfoodfacts.net",
        INFLUXDB_DB_NAME: "off_net_metrics",
        POSTGRES_HOST: "postgres",
        ELASTICSEARCH_HOSTS: "elasticsearch",
        TF_SERVING_HOST: "tf_serving",
        POSTGRES_PASSWORD: securePlaceholder("robotoff:postgresPassword"),
      });
      expect(containerOf(r, service).inputs.restart).toBe("always");
      expect(containerOf(r, service).inputs.image).toBe("ghcr.io/openfoodfacts/robotoff:sha-0000000000000000000000000000000000000000");
    });
  }
});

describeStackRules("staging-2022");
describeStateKept("staging-2022");
describeGraph("staging-2022");
describePolicies("staging-2022");
