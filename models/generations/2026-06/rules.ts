/** The rules of generation 2026-06 that span keys; they run on a config its schema accepted. */
import { hostAddress, NAMESPACE } from "../../config";
import type { ConfigIssue } from "../../config-error";
import { isPublic } from "../../ports";
import {
  appEnvIssues,
  describe,
  devOnlyIssues,
  elasticsearchMemoryIssues,
  fullKey,
  hostUrlIssues,
  managedVolumeIssues,
  publishedPortIssues,
} from "../../rules";
import { SECRET_KEYS } from "../../secrets";
import type { Config2026 } from "./config";
import { managedBy2026 } from "./env";
import { buildStackSpec2026 } from "./stack";

function placementIssues(cfg: Config2026): ConfigIssue[] {
  const issues: ConfigIssue[] = hostUrlIssues(cfg.hosts);
  const known = Object.keys(cfg.hosts);
  const placed: [readonly string[], string][] = [
    [["app", "host"], cfg.app.host],
    ...(cfg.triton.mode === "local" ? [[["triton", "host"], cfg.triton.host] as [readonly string[], string]] : []),
  ];
  for (const [path, where] of placed) {
    if (!known.includes(where))
      issues.push({ key: fullKey(path), expected: `one of ${known.map((k) => JSON.stringify(k)).join(", ")} (robotoff:hosts)`, found: describe(where) });
  }
  const t = cfg.triton;
  if (t.mode === "local" && t.host !== cfg.app.host && known.includes(t.host)) {
    // The app dials Triton's gRPC port on that host: it must be published beyond loopback, at an address the app knows.
    if (t.expose.grpc === null || !isPublic(t.expose.grpc) || !t.allowRemoteAccess)
      issues.push({
        key: fullKey(["triton", "host"]),
        expected: `robotoff:app.host (${JSON.stringify(cfg.app.host)}), or triton.expose.grpc published beyond loopback with triton.allowRemoteAccess for the app to reach it there`,
        found: describe(t.host),
      });
    else if (hostAddress(cfg, t.host) === undefined)
      issues.push({ key: fullKey(["hosts", t.host, "address"]), expected: `the address the app reaches ${t.host} at`, found: "nothing" });
  }
  return issues;
}

function tritonIssues(cfg: Config2026): ConfigIssue[] {
  const t = cfg.triton;
  if (t.mode === "remote" && t.uri === undefined)
    return [
      {
        key: fullKey(["triton", "uri"]),
        expected: "the remote Triton's gRPC address host:port (DEFAULT_TRITON_URI), like 10.3.0.101:5504, with triton.mode remote",
        found: "nothing",
      },
    ];
  if (t.mode === "local" && t.uri !== undefined)
    return [
      {
        key: fullKey(["triton", "uri"]),
        expected: "nothing with triton.mode local (the app reaches the stack's own triton); or triton.mode remote",
        found: describe(t.uri),
      },
    ];
  return [];
}

export function rules2026(cfg: Config2026, input: Record<string, unknown>): ConfigIssue[] {
  const spec = buildStackSpec2026(cfg, new Set(SECRET_KEYS), { statsdMapping: "" });
  return [
    ...publishedPortIssues(spec, input, (service) =>
      service === "triton" ? `; ${NAMESPACE}:triton.allowRemoteAccess allows more` : "; only the api is published beyond it",
    ),
    ...placementIssues(cfg),
    ...tritonIssues(cfg),
    ...devOnlyIssues(cfg),
    ...elasticsearchMemoryIssues(cfg.elasticsearch),
    ...appEnvIssues(cfg.app.env, managedBy2026),
    ...managedVolumeIssues(cfg.environment, cfg.volumes),
  ];
}
