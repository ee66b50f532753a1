/**
 * The Robotoff app's environment (`x-robotoff-base-env` of docker-compose.yml): each variable, the
 * config key it comes from, and how its value is derived. The stack sets these and only these itself;
 * `robotoff:app.env` may add others.
 */
import { hostAddress, hostOf, type StackConfig } from "./config";
import type { SecretKey } from "./secrets";
import type { EnvValue } from "./spec";

/** Where a variable of the app's environment comes from: a config key and how its value derives, or a secret. */
export type EnvSource<C> = { readonly key: string; readonly value: (cfg: C) => string | number | undefined } | { readonly secret: SecretKey };
type Source = EnvSource<StackConfig>;

/** A data service's name as the app resolves it: its DNS alias, or its host's address when it runs elsewhere. */
function host(cfg: StackConfig, service: "postgres" | "elasticsearch" | "tf_serving"): string {
  const where = hostOf(cfg, service);
  if (where !== cfg.app.host) return hostAddress(cfg, where) ?? service; // validate.ts requires an address
  return cfg.app.networkQualifiedHosts ? `${service}.${cfg.networkName}` : service;
}

export const APP_ENV: Readonly<Record<string, Source>> = {
  ROBOTOFF_INSTANCE: { key: "app.instance", value: (c) => c.app.instance },
  ROBOTOFF_DOMAIN: { key: "app.domain", value: (c) => c.app.domain },
  ROBOTOFF_SCHEME: { key: "app.scheme", value: (c) => c.app.scheme },
  STATIC_OFF_DOMAIN: { key: "app.staticOffDomain", value: (c) => c.app.staticOffDomain },
  GUNICORN_NUM_WORKERS: { key: "app.gunicornNumWorkers", value: (c) => c.app.gunicornNumWorkers },
  IPC_AUTHKEY: { secret: "ipcAuthkey" },
  // Fixed in docker-compose.yml: the api reaches the workers by their DNS name.
  IPC_HOST: { key: "(fixed: the workers' DNS name)", value: () => "workers" },
  IPC_PORT: { key: "app.ipcPort", value: (c) => c.app.ipcPort },
  WORKER_COUNT: { key: "app.workerCount", value: (c) => c.app.workerCount },
  ROBOTOFF_UPDATED_PRODUCT_WAIT: { key: "app.updatedProductWait", value: (c) => c.app.updatedProductWait },
  POSTGRES_HOST: { key: "app.networkQualifiedHosts", value: (c) => host(c, "postgres") },
  POSTGRES_DB: { key: "postgres.db", value: (c) => c.postgres.db },
  POSTGRES_USER: { key: "postgres.user", value: (c) => c.postgres.user },
  POSTGRES_PASSWORD: { secret: "postgresPassword" },
  MONGO_URI: { secret: "mongoUri" },
  OFF_USER: { key: "app.offUser", value: (c) => c.app.offUser },
  OFF_PASSWORD: { secret: "offPassword" },
  INFLUXDB_HOST: { key: "app.influxdb.host", value: (c) => c.app.influxdb.host },
  INFLUXDB_PORT: { key: "app.influxdb.port", value: (c) => c.app.influxdb.port },
  INFLUXDB_DB_NAME: { key: "app.influxdb.dbName", value: (c) => c.app.influxdb.dbName },
  INFLUXDB_USERNAME: { key: "app.influxdb.username", value: (c) => c.app.influxdb.username },
  INFLUXDB_PASSWORD: { secret: "influxdbPassword" },
  SLACK_TOKEN: { secret: "slackToken" },
  SENTRY_DSN: { secret: "sentryDsn" },
  ELASTICSEARCH_HOSTS: { key: "app.networkQualifiedHosts", value: (c) => host(c, "elasticsearch") },
  TF_SERVING_HOST: {
    key: "app.setTfServingHost",
    value: (c) => (c.app.setTfServingHost ? host(c, "tf_serving") : undefined),
  },
};

/** Set by docker-compose.yml on the workers only. */
export const WORKERS_ENV = { REAL_TIME_IMAGE_PREDICTION: "1" } as const;

/** The config key that sets a variable the stack manages, or undefined for a free one. */
export function managedBy(variable: string): string | undefined {
  return sourceKey(APP_ENV, variable) ?? (variable in WORKERS_ENV ? "(fixed by docker-compose.yml for the workers)" : undefined);
}

/** The config key (or secret) that `table` says sets `variable`; undefined for a variable it does not set. */
export function sourceKey<C>(table: Readonly<Record<string, EnvSource<C>>>, variable: string): string | undefined {
  const source = table[variable];
  return source && ("secret" in source ? source.secret : source.key);
}

/** The environment `table` derives from a config, then app.env's; variables of secrets without a value are left out. */
export function envOf<C>(
  table: Readonly<Record<string, EnvSource<C>>>,
  cfg: C,
  secrets: ReadonlySet<SecretKey>,
  extra: Readonly<Record<string, string>>,
): Record<string, EnvValue | number | undefined> {
  const env: Record<string, EnvValue | number | undefined> = {};
  for (const [variable, source] of Object.entries(table)) {
    if ("secret" in source) env[variable] = secrets.has(source.secret) ? { secret: source.secret } : undefined;
    else env[variable] = source.value(cfg);
  }
  return { ...env, ...extra };
}

/** The app environment for a config; variables of secrets without a value are left out. */
export const appEnvValues = (cfg: StackConfig, secrets: ReadonlySet<SecretKey>) => envOf(APP_ENV, cfg, secrets, cfg.app.env);
