import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { buildStackSpec } from "../models/stack";
import { secretSources, type SecretKey } from "../models/secrets";
import type { StackSpec } from "../models/spec";
import { loadStackConfig } from "./pulumi-config";
import { Deployment } from "./deployment";
import { buildTriggers } from "./build-triggers";

/**
 * The whole stack from its config: validate, compute the topology, build the Deployment component.
 * `name` and `opts` exist so that a rename keeps state (`aliases: [{ name: "robotoff" }]`).
 */
export function deployRobotoff(
  name = "robotoff",
  opts?: pulumi.ComponentResourceOptions,
): { deployment: Deployment; spec: StackSpec } {
  const { config, secrets } = loadStackConfig();
  const sources = secretSources(new Set(Object.keys(secrets) as SecretKey[]), config.environment);
  const available = new Set((Object.keys(sources) as SecretKey[]).filter((k) => sources[k] !== "absent"));
  const files = config.monitoring.enabled
    ? { statsdMapping: readFileSync(join(__dirname, "..", "monitoring", "statsd.conf"), "utf8") }
    : {};
  const spec = buildStackSpec(config, available, files);
  const deployment = new Deployment(
    name,
    { spec, secretSources: sources, configSecrets: secrets, buildTriggers: buildTriggers(spec) },
    opts,
  );
  return { deployment, spec };
}
