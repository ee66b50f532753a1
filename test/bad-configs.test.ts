/**
 * Bad stack configs, each read as the render reads a `--config-file` and planned as the program plans
 * it (tools/stack-file.ts planStackFile, models/stack-plan.ts): every offending key named, and only
 * those. What the user then sees of it (exit 1, the message on stderr, no stack trace) is shown in
 * test/render.test.ts, in a child process.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dump, load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../models/config-error";
import { planStackFile } from "../tools/stack-file";
import { PROJECT_DIR } from "./harness";

type Patch = Record<string, unknown>;
interface Case {
  readonly what: string;
  readonly stack: "dev" | "prod";
  readonly patch: Patch;
  /** Every key the error must name. */
  readonly keys: readonly string[];
  /** Text the message must contain besides the keys. */
  readonly says?: string;
}

const CASES: readonly Case[] = [
  { what: "a number given as a string", stack: "dev", patch: { "robotoff:app": { workerCount: "8" } }, keys: ["robotoff:app.workerCount"] },
  { what: "a port out of range", stack: "dev", patch: { "robotoff:app": { ipcPort: 0 } }, keys: ["robotoff:app.ipcPort"] },
  { what: "an unknown restart policy", stack: "dev", patch: { "robotoff:restartPolicy": "sometimes" }, keys: ["robotoff:restartPolicy"] },
  { what: "no environment", stack: "dev", patch: { "robotoff:environment": undefined }, keys: ["robotoff:environment"] },
  { what: "an unknown environment", stack: "dev", patch: { "robotoff:environment": "qa" }, keys: ["robotoff:environment"] },
  { what: "size 2gb", stack: "dev", patch: { "robotoff:postgres": { memory: "2gb" } }, keys: ["robotoff:postgres.memory"] },
  { what: "size -1g", stack: "dev", patch: { "robotoff:postgres": { memory: "-1g" } }, keys: ["robotoff:postgres.memory"] },
  { what: "size 0", stack: "dev", patch: { "robotoff:postgres": { memory: "0" } }, keys: ["robotoff:postgres.memory"] },
  { what: "size 1.5g", stack: "dev", patch: { "robotoff:postgres": { shmSize: "1.5g" } }, keys: ["robotoff:postgres.shmSize"] },
  {
    what: "postgres below its minimum",
    stack: "dev",
    patch: { "robotoff:postgres": { memory: "100m" } },
    keys: ["robotoff:postgres.memory"],
    says: "at least 256m",
  },
  { what: "api below its minimum", stack: "dev", patch: { "robotoff:app": { api: { memory: "128m" } } }, keys: ["robotoff:app.api.memory"] },
  {
    what: "Elasticsearch memory under twice its heap",
    stack: "dev",
    patch: { "robotoff:elasticsearch": { memory: "1g", heapSize: "1g" } },
    keys: ["robotoff:elasticsearch.memory"],
  },
  { what: "a size as a number", stack: "dev", patch: { "robotoff:tfServing": { memory: 10 } }, keys: ["robotoff:tfServing.memory"] },
  {
    what: "a binding out of range",
    stack: "dev",
    patch: { "robotoff:app": { api: { expose: { http: "127.0.0.1:70000" } } } },
    keys: ["robotoff:app.api.expose.http"],
  },
  {
    what: "a binding to a host name",
    stack: "dev",
    patch: { "robotoff:app": { api: { expose: { http: "localhost:5500" } } } },
    keys: ["robotoff:app.api.expose.http"],
  },
  {
    what: "postgres published beyond loopback",
    stack: "dev",
    patch: { "robotoff:postgres": { expose: { postgres: "5432" } } },
    keys: ["robotoff:postgres.expose.postgres"],
    says: "loopback",
  },
  {
    what: "tf_serving beyond loopback without allowRemoteAccess",
    stack: "dev",
    patch: { "robotoff:tfServing": { expose: { grpc: "8500" } } },
    keys: ["robotoff:tfServing.expose.grpc"],
    says: "allowRemoteAccess",
  },
  {
    what: "two services on one host ip:port",
    stack: "dev",
    patch: { "robotoff:app": { api: { expose: { http: "127.0.0.1:5432" } } } },
    keys: ["robotoff:postgres.expose.postgres"],
    says: "already published by robotoff:app.api.expose.http",
  },
  {
    what: "a port on every interface that a loopback binding uses",
    stack: "prod",
    patch: { "robotoff:app": { api: { expose: { http: "8501" } } } },
    keys: ["robotoff:tfServing.expose.rest"],
  },
  {
    what: "a port on every interface after a loopback binding of it",
    stack: "prod",
    patch: {
      "robotoff:app": { api: { expose: { http: "127.0.0.1:8500" } } },
      "robotoff:tfServing": { allowRemoteAccess: true, expose: { grpc: "8500", rest: null } },
    },
    keys: ["robotoff:tfServing.expose.grpc"],
    says: "already published by robotoff:app.api.expose.http",
  },
  {
    what: "0.0.0.0 written out, after a loopback binding of the same port (Docker refuses the pair)",
    stack: "prod",
    patch: {
      "robotoff:app": { api: { expose: { http: "127.0.0.1:8500" } } },
      "robotoff:tfServing": { allowRemoteAccess: true, expose: { grpc: "0.0.0.0:8500", rest: null } },
    },
    keys: ["robotoff:tfServing.expose.grpc"],
    says: "already published by robotoff:app.api.expose.http",
  },
  {
    what: "a misspelt top-level key",
    stack: "dev",
    patch: { "robotoff:postgress": { memory: "4g" } },
    keys: ["robotoff:postgress"],
    says: "did you mean robotoff:postgres?",
  },
  {
    what: "a misspelt nested key",
    stack: "dev",
    patch: { "robotoff:postgres": { memroy: "4g" } },
    keys: ["robotoff:postgres.memroy"],
    says: "did you mean robotoff:postgres.memory?",
  },
  { what: "an unknown nested key", stack: "dev", patch: { "robotoff:app": { colour: "blue" } }, keys: ["robotoff:app.colour"], says: "no such key" },
  { what: "an empty host root", stack: "dev", patch: { "robotoff:hostRoot": "" }, keys: ["robotoff:hostRoot"] },
  { what: "a relative host root", stack: "dev", patch: { "robotoff:hostRoot": "srv/robotoff" }, keys: ["robotoff:hostRoot"] },
  { what: "a host root with ..", stack: "dev", patch: { "robotoff:hostRoot": "/srv/../etc" }, keys: ["robotoff:hostRoot"] },
  { what: "a relative models folder", stack: "dev", patch: { "robotoff:tfServing": { modelsDir: "tf_models" } }, keys: ["robotoff:tfServing.modelsDir"] },
  { what: "an image reference in capitals", stack: "dev", patch: { "robotoff:postgres": { image: "Postgres:11" } }, keys: ["robotoff:postgres.image"] },
  {
    what: "a tag inside the app repository",
    stack: "dev",
    patch: { "robotoff:app": { image: "ghcr.io/openfoodfacts/robotoff:latest" } },
    keys: ["robotoff:app.image"],
  },
  { what: "a bad app tag", stack: "dev", patch: { "robotoff:app": { tag: "a/b" } }, keys: ["robotoff:app.tag"] },
  {
    what: "a missing secret in prod",
    stack: "prod",
    patch: { "robotoff:postgresPassword": undefined },
    keys: ["robotoff:postgresPassword"],
    says: "pulumi config set --secret",
  },
  { what: "a token in clear in prod", stack: "prod", patch: { "robotoff:slackToken": "xoxb-in-clear" }, keys: ["robotoff:slackToken"], says: "plaintext" },
  { what: "a password in clear in dev", stack: "dev", patch: { "robotoff:postgresPassword": "postgres" }, keys: ["robotoff:postgresPassword"] },
  {
    what: "an override of a variable the stack sets",
    stack: "dev",
    patch: { "robotoff:app": { env: { POSTGRES_HOST: "db" } } },
    keys: ["robotoff:app.env.POSTGRES_HOST"],
    says: "robotoff:app.networkQualifiedHosts",
  },
  {
    what: "an override of a secret variable",
    stack: "dev",
    patch: { "robotoff:app": { env: { SENTRY_DSN: "https://x" } } },
    keys: ["robotoff:app.env.SENTRY_DSN"],
  },
  {
    what: "an override of the workers' fixed variable",
    stack: "dev",
    patch: { "robotoff:app": { env: { REAL_TIME_IMAGE_PREDICTION: "0" } } },
    keys: ["robotoff:app.env.REAL_TIME_IMAGE_PREDICTION"],
  },
  { what: "TF_SERVING_HOST without tf_serving", stack: "prod", patch: { "robotoff:tfServing": { enabled: false } }, keys: ["robotoff:app.setTfServingHost"] },
  {
    what: "a deletable data volume in prod",
    stack: "prod",
    patch: { "robotoff:volumes": { postgresData: { lifecycle: "managed" } } },
    keys: ["robotoff:volumes.postgresData.lifecycle"],
  },
  {
    what: "an unknown volume lifecycle",
    stack: "dev",
    patch: { "robotoff:volumes": { esData: { lifecycle: "deleted" } } },
    keys: ["robotoff:volumes.esData.lifecycle"],
  },
  { what: "a network name with a space", stack: "dev", patch: { "robotoff:networkName": "web net" }, keys: ["robotoff:networkName"] },
  { what: "a string where an object goes", stack: "dev", patch: { "robotoff:app": "hello" }, keys: ["robotoff:app"], says: "an object" },
  { what: "unbounded on-failure retries", stack: "dev", patch: { "robotoff:restartMaxRetries": "0" }, keys: ["robotoff:restartMaxRetries"] },
  {
    what: "too few open files for Elasticsearch",
    stack: "dev",
    patch: { "robotoff:elasticsearch": { nofile: 1024 } },
    keys: ["robotoff:elasticsearch.nofile"],
  },
  {
    what: "statsd metrics beyond loopback",
    stack: "prod",
    patch: { "robotoff:monitoring": { statsd: { expose: { metrics: "9102" } } } },
    keys: ["robotoff:monitoring.statsd.expose.metrics"],
    says: "only the api",
  },
  {
    what: "an exporter below its minimum memory",
    stack: "prod",
    patch: { "robotoff:monitoring": { postgresExporter: { memory: "8m" } } },
    keys: ["robotoff:monitoring.postgresExporter.memory"],
  },
  {
    what: "a service on a host that is not declared",
    stack: "prod",
    patch: { "robotoff:tfServing": { host: "gpu" } },
    keys: ["robotoff:tfServing.host"],
    says: 'one of "local"',
  },
  { what: "a remote host without an address", stack: "prod", patch: { "robotoff:hosts": { ml: {} } }, keys: ["robotoff:hosts.ml.url"] },
  { what: "a url on the local host", stack: "dev", patch: { "robotoff:hosts": { local: { url: "ssh://me@here" } } }, keys: ["robotoff:hosts.local.url"] },
  { what: "a malformed host url", stack: "dev", patch: { "robotoff:hosts": { ml: { url: "http://ml" } } }, keys: ["robotoff:hosts.ml.url"] },
  {
    what: "tf_serving on another host without ports beyond loopback",
    stack: "prod",
    patch: { "robotoff:hosts": { ml: { url: "ssh://deploy@ml" } }, "robotoff:tfServing": { host: "ml" } },
    keys: ["robotoff:tfServing.host"],
    says: "published beyond loopback",
  },
  {
    what: "postgres on another host (a retired key: postgres runs with the app)",
    stack: "prod",
    patch: { "robotoff:hosts": { db: { url: "tcp://db:2376" } }, "robotoff:postgres": { host: "db" } },
    keys: ["robotoff:postgres.host"],
    says: "postgres runs on robotoff:app.host, with the app",
  },
  { what: "an unknown scheme", stack: "dev", patch: { "robotoff:app": { scheme: "ftp" } }, keys: ["robotoff:app.scheme"] },
  {
    what: "several problems at once",
    stack: "prod",
    patch: { "robotoff:hostRoot": "x", "robotoff:postgres": { memory: "2gb" }, "robotoff:sentryDsn": undefined },
    keys: ["robotoff:hostRoot", "robotoff:postgres.memory", "robotoff:sentryDsn"],
    says: "(3 problems)",
  },
];

function merge(base: any, patch: any): any {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  if (typeof base !== "object" || base === null || "secure" in base) base = {};
  const out = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete out[k];
    else out[k] = merge(out[k], v);
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), "robotoff-bad-"));

/** The message the program fails with for a stack file's config: the text the render prints on stderr. */
function errorFor(stack: string, config: unknown, name: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, dump({ config }));
  try {
    planStackFile(PROJECT_DIR, stack, file);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error(`${name}: the config was accepted`);
}

const shipped = (stack: string) => (load(readFileSync(join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")) as any).config;

describe("bad configs are rejected before anything is registered", () => {
  it.each(CASES.map((c, i) => [c.what, c, i] as const))("%s", (_, c, i) => {
    const message = errorFor(c.stack, merge(shipped(c.stack), c.patch), `case-${i}`);
    expect(message).toContain(`Invalid config for stack ${c.stack}`);
    for (const key of c.keys) expect(message).toContain(`  ${key}: expected`);
    if (c.says) expect(message).toContain(c.says);
    // Only the named keys are reported: a valid key is never blamed.
    const named = [...message.matchAll(/^ {2}(robotoff:\S+): expected/gm)].map((m) => m[1]);
    expect(named.sort()).toEqual([...c.keys].sort());
  });
});

describe("a prod stack without its secrets", () => {
  it("names each missing secret with the command that sets it", () => {
    const message = errorFor("prod", { "robotoff:environment": "prod", "robotoff:hostRoot": "/srv/robotoff" }, "no-secrets");
    for (const key of ["postgresPassword", "ipcAuthkey", "mongoUri", "offPassword", "influxdbPassword", "sentryDsn", "slackToken"]) {
      expect(message).toContain(`pulumi config set --secret 'robotoff:${key}' <value> --stack prod`);
    }
  });
});
