/**
 * The app's environment of 2026-06 (`x-robotoff-base-env` of docker-compose.yml, in its order): each variable, the
 * config key it comes from, and how its value is derived. The app's containers all get the same list. Two of its
 * variables are set by no upstream .env and by no key here: FASTTEXT_PORT (fasttext's 8000, the app's default) and
 * IN_DOCKER_CONTAINER.
 */
import { hostAddress } from "../../config";
import { API_PORT } from "../../compose";
import { envOf, sourceKey, type EnvSource } from "../../app-env";
import type { SecretKey } from "../../secrets";
import { TRITON_MODELS, type Config2026 } from "./config";

type Source = EnvSource<Config2026>;

/** Container-side ports, fixed by the images and upstream's settings. */
export const PORTS_2026 = {
  api: API_PORT,
  postgres: 5432,
  redis: 6379,
  elasticsearch: 9200,
  fasttext: 8000,
  tritonHttp: 8000,
  tritonGrpc: 8001,
  tritonMetrics: 8002,
  postgresExporter: 9187,
} as const;

/** The stack's network: compose's `default` network of project `<containerPrefix>`. */
export const networkOf = (cfg: Pick<Config2026, "containerPrefix">) => `${cfg.containerPrefix}_default`;

/** A service of the stack as the app names it: `redis`, or `redis.robotoff_default` (app.networkQualifiedHosts). */
export function serviceHost(cfg: Config2026, service: string): string {
  return cfg.app.networkQualifiedHosts ? `${service}.${networkOf(cfg)}` : service;
}

/** Where the app reaches a local Triton: by name on the stack's network, or its host's address when it runs on another host. */
function tritonUri(cfg: Config2026): string | undefined {
  const t = cfg.triton;
  if (t.mode === "remote") return t.uri;
  const where = t.host === cfg.app.host ? "triton" : hostAddress(cfg, t.host);
  return where && `${where}:${where === "triton" ? PORTS_2026.tritonGrpc : (t.expose.grpc?.port ?? PORTS_2026.tritonGrpc)}`;
}

const flag = (v: boolean | undefined) => (v === undefined ? undefined : v ? "1" : "0");

export const APP_ENV_2026: Readonly<Record<string, Source>> = {
  LOG_LEVEL: { key: "app.logLevel", value: (c) => c.app.logLevel },
  LOG_ML_METRICS_ENABLED: { key: "app.logMlMetrics", value: (c) => flag(c.app.logMlMetrics) },
  ROBOTOFF_INSTANCE: { key: "app.instance", value: (c) => c.app.instance },
  ROBOTOFF_TLD: { key: "app.tld", value: (c) => c.app.tld },
  ROBOTOFF_SCHEME: { key: "app.scheme", value: (c) => c.app.scheme },
  STATIC_DOMAIN: { key: "app.staticDomain", value: (c) => c.app.staticDomain },
  GUNICORN_PRELOAD_APP: { key: "app.gunicornPreloadApp", value: (c) => flag(c.app.gunicornPreloadApp) },
  GUNICORN_NUM_WORKERS: { key: "app.gunicornNumWorkers", value: (c) => c.app.gunicornNumWorkers },
  ROBOTOFF_UPDATED_PRODUCT_WAIT: { key: "app.updatedProductWait", value: (c) => c.app.updatedProductWait },
  REDIS_HOST: { key: "app.networkQualifiedHosts", value: (c) => serviceHost(c, "redis") },
  // dev.env: Product Opener's stream is read from the stack's own redis.
  REDIS_UPDATE_HOST: { key: "app.updates.host", value: (c) => c.app.updates.host ?? serviceHost(c, "redis") },
  REDIS_UPDATE_PORT: { key: "app.updates.port", value: (c) => c.app.updates.port },
  REDIS_STREAM_NAME: { key: "app.updates.streamName", value: (c) => c.app.updates.streamName },
  POSTGRES_HOST: { key: "app.networkQualifiedHosts", value: (c) => serviceHost(c, "postgres") },
  POSTGRES_DB: { key: "postgres.db", value: (c) => c.postgres.db },
  POSTGRES_USER: { key: "postgres.user", value: (c) => c.postgres.user },
  POSTGRES_PASSWORD: { secret: "postgresPassword" },
  MONGO_URI: { secret: "mongoUri" },
  OFF_USER: { key: "app.offUser", value: (c) => c.app.offUser },
  OFF_PASSWORD: { secret: "offPassword" },
  INFLUXDB_HOST: { key: "app.influxdb.host", value: (c) => c.app.influxdb.host },
  INFLUXDB_PORT: { key: "app.influxdb.port", value: (c) => c.app.influxdb.port },
  INFLUXDB_BUCKET: { key: "app.influxdb.bucket", value: (c) => c.app.influxdb.bucket },
  INFLUXDB_AUTH_TOKEN: { secret: "influxdbAuthToken" },
  SENTRY_DSN: { secret: "sentryDsn" },
  ELASTIC_HOST: { key: "app.networkQualifiedHosts", value: (c) => serviceHost(c, "elasticsearch") },
  ELASTIC_PASSWORD: { secret: "elasticPassword" },
  ELASTIC_USER: { key: "elasticsearch.user", value: (c) => c.elasticsearch.user },
  DEFAULT_TRITON_URI: { key: "triton.uri", value: tritonUri },
  ...Object.fromEntries(
    Object.entries(TRITON_MODELS).map(([model, variable]) => [
      variable,
      { key: `triton.modelUris.${model}`, value: (c: Config2026) => c.triton.modelUris[model as keyof typeof TRITON_MODELS] },
    ]),
  ),
  // Unqualified in every upstream .env, as here: only the stack's network has a fasttext.
  FASTTEXT_HOST: { key: "(fixed: the fasttext service's DNS name)", value: () => "fasttext" },
  ENABLE_MONGODB_ACCESS: { key: "app.mongodbAccess", value: (c) => flag(c.app.mongodbAccess) },
  IMAGE_MODERATION_SERVICE_URL: { key: "app.imageModerationServiceUrl", value: (c) => c.app.imageModerationServiceUrl },
  AUTH_BEARER_TOKEN_NUTRIPATROL: { secret: "nutripatrolToken" },
  CROP_ALLOWED_DOMAINS: { key: "app.cropAllowedDomains", value: (c) => c.app.cropAllowedDomains.join(",") },
  // docker-compose.yml: "Update worker service command accordingly if you change this settings".
  NUM_RQ_WORKERS: { key: "app.workers.count", value: (c) => c.app.workers.count },
  GOOGLE_APPLICATION_CREDENTIALS: { key: "(fixed by docker-compose.yml)", value: () => GOOGLE_CREDENTIALS_FILE },
  GOOGLE_CREDENTIALS: { secret: "googleCredentials" },
  BATCH_JOB_KEY: { secret: "batchJobKey" },
  INSIGHT_AUTOMATIC_PROCESSING_WAIT: { key: "app.insightAutomaticProcessingWait", value: (c) => c.app.insightAutomaticProcessingWait },
};

/** Where Google's SDK reads the credentials the app writes from GOOGLE_CREDENTIALS. */
export const GOOGLE_CREDENTIALS_FILE = "/opt/robotoff/credentials/google/credentials.json";

/** The config key that sets a variable the stack manages, or undefined for a free one. */
export const managedBy2026 = (variable: string): string | undefined => sourceKey(APP_ENV_2026, variable);

/** The app environment for a config; variables of secrets without a value are left out. */
export const appEnv2026 = (cfg: Config2026, secrets: ReadonlySet<SecretKey>) => envOf(APP_ENV_2026, cfg, secrets, cfg.app.env);
