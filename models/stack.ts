/** config -> StackSpec: the compose topology (docker-compose.yml, docker/ml.yml and the dev and monitor overlays) as data. */
import { posix } from "node:path";
import { NAMESPACE, type SERVICE_NAMES, type StackConfig } from "./config";
import { formatMb } from "./size";
import type { SecretKey } from "./secrets";
import { appEnvValues, WORKERS_ENV } from "./app-env";
import { API_PORT_KEY, apiHealthcheck, elasticsearchHealthcheck, healthBudgetSeconds, postgresHealthcheck, tfServingHealthcheck } from "./healthchecks";
import { backupService } from "./backup";
import { MODELS_CONFIG_POLL_SECONDS, TF_MODELS_MOUNT, tfModelsService } from "./tf-models";
import { type EnvValue, type ImageSpec, type Scheduling, type StackSpec, type VolumeSpec } from "./spec";
import {
  apiProxySpec,
  appImageOf,
  compactEnv,
  hostSpecsOf,
  postgresExporterSpec,
  published,
  serviceBase,
  statsdSpec,
  STOP_GRACE_SECONDS,
  type ServiceBase,
  type Spec,
  type StackFiles,
  API_COPIES,
  API_PORT,
  postgresCommand,
  gunicornWithStatsd,
} from "./compose";

/** The services of generation 2022-09. */
type ServiceName = (typeof SERVICE_NAMES)[number];

/** Container-side facts of the services, fixed by the images. */
export const PORTS = {
  api: API_PORT,
  postgres: 5432,
  tfServingGrpc: 8500,
  tfServingRest: 8501,
} as const;
const APP_ROOT = "/opt/robotoff";
const APP_DATA_DIRS = ["datasets", "models", "tf_models"] as const;
/** docker/dev.yml: the checkout's sources, tests, i18n, data and docs, mounted over the image's. */
export const DEV_SOURCE_MOUNTS = [
  "robotoff",
  "scripts",
  "pyproject.toml",
  "poetry.toml",
  "poetry.lock",
  "tests",
  ".cov",
  "i18n",
  "data",
  "mkdocs.yml",
  "build_mkdocs.sh",
  "README.md",
  "doc",
  "gh_pages",
] as const;

export const VOLUMES = { postgresData: "/var/lib/postgresql/data", esData: "/usr/share/elasticsearch/data" } as const;

export function tfServingEntrypoint(): string[] {
  return [
    "tensorflow_model_server",
    `--port=${PORTS.tfServingGrpc}`,
    `--rest_api_port=${PORTS.tfServingRest}`,
    `--model_config_file=${TF_MODELS_MOUNT}/models.config`,
    // A changed models.config is read again without a restart (TensorFlow Serving >= 1.12).
    `--model_config_file_poll_wait_seconds=${MODELS_CONFIG_POLL_SECONDS}`,
  ];
}

/**
 * Copies, pinning and update order of a service where the target schedules copies (robotoff:swarm).
 * Data services run once on their labelled node and stop before their replacement starts (two servers
 * on one data folder corrupt it); the scheduler runs once (two would run every job twice).
 */
export function schedulingOf(cfg: StackConfig, name: ServiceName): Scheduling {
  const s = cfg.swarm;
  const monitorSeconds = s.updateMonitor;
  const once = { replicas: 1, updateOrder: "stop-first", monitorSeconds } as const;
  const pinned = (key: keyof typeof s.nodeLabels) =>
    s.nodeLabels[key] ? { nodeLabel: s.nodeLabels[key], nodeLabelKey: `${NAMESPACE}:swarm.nodeLabels.${key}` } : {};
  switch (name) {
    case "api":
      return { replicas: s.replicas.api, updateOrder: s.apiUpdateOrder, monitorSeconds };
    case "workers":
      return { replicas: s.replicas.workers, updateOrder: "start-first", monitorSeconds };
    case "scheduler":
      return { ...once, replicas: s.replicas.scheduler };
    case "postgres":
    case "postgres_backup": // beside postgres, where its dump folder is
      return { ...once, ...pinned("postgres") };
    case "elasticsearch":
      return { ...once, ...pinned("elasticsearch") };
    case "tf_serving":
    case "tf_models": // beside tf_serving, where its models folder is
      return { ...once, ...pinned("tfServing") };
    case "statsd":
    case "postgres_exporter":
    case "api_proxy": // never on swarm (validate.ts): Swarm replaces the api's tasks itself
      return once;
  }
}

/** What the services' specs are built from: the config, and what several services share. */
interface Context {
  readonly cfg: StackConfig;
  readonly secrets: ReadonlySet<SecretKey>;
  readonly base: ServiceBase;
  readonly appImage: ImageSpec;
  readonly appEnv: Readonly<Record<string, EnvValue>>;
  /** tf_serving, where the app is given TF_SERVING_HOST: the app containers that use it wait for it. */
  readonly tf: readonly ServiceName[];
}

function imagesOf(cfg: StackConfig, appImage: ImageSpec): ImageSpec[] {
  return [
    appImage,
    { key: "postgres", reference: cfg.postgres.image },
    { key: "elasticsearch", reference: cfg.elasticsearch.image },
    ...(cfg.tfServing.enabled ? [{ key: "tf-serving", reference: cfg.tfServing.image }] : []),
    ...(cfg.app.api.release === "rolling" ? [{ key: "haproxy", reference: cfg.app.api.proxy.image }] : []),
    ...(cfg.monitoring.enabled
      ? [
          { key: "statsd-exporter", reference: cfg.monitoring.statsd.image },
          { key: "postgres-exporter", reference: cfg.monitoring.postgresExporter.image },
        ]
      : []),
  ];
}

function contextOf(cfg: StackConfig, secrets: ReadonlySet<SecretKey>): Context {
  return {
    cfg,
    secrets,
    base: serviceBase(cfg),
    appImage: appImageOf(cfg, ["Dockerfile", "pyproject.toml", "poetry.lock", "poetry.toml"]),
    appEnv: compactEnv(appEnvValues(cfg, secrets)),
    tf: cfg.app.setTfServingHost && cfg.tfServing.enabled ? ["tf_serving"] : [],
  };
}

/** One of the app's three roles: the app image, its env and data folders (and the dev checkout's sources). */
function appRole(ctx: Context, name: ServiceName, memoryMb: number, extra: Partial<Spec>): Spec {
  const { cfg } = ctx;
  return {
    ...ctx.base,
    name,
    image: ctx.appImage.key,
    env: ctx.appEnv,
    binds: [...APP_DATA_DIRS, ...(cfg.dev.enabled ? DEV_SOURCE_MOUNTS : [])].map((path) => ({
      hostPath: posix.join(cfg.hostRoot, path),
      containerPath: `${APP_ROOT}/${path}`,
      readOnly: false,
    })),
    ...(cfg.dev.enabled ? { externalNetworks: [cfg.dev.productOpenerNetwork] } : {}),
    memoryMb,
    app: true,
    ...extra,
  };
}

// Each app container waits for what it uses at start.
function apiSpec(ctx: Context): Spec {
  const { cfg } = ctx;
  const api = cfg.app.api;
  const healthcheck = apiHealthcheck(PORTS.api, api.healthcheck);
  return appRole(ctx, "api", api.memory, {
    // With copies, the proxy holds the public port.
    ...(api.release === "rolling"
      ? { copies: API_COPIES, waitTimeoutSeconds: api.waitTimeout ?? healthBudgetSeconds(healthcheck) }
      : // The one service published beyond loopback by default (compose's ROBOTOFF_EXPOSE).
        { ports: published(api.expose.http, PORTS.api, API_PORT_KEY), publishBeyondLoopback: true }),
    ...(cfg.monitoring.enabled ? { command: gunicornWithStatsd() } : {}),
    dependsOn: ["workers", "postgres", "elasticsearch", ...ctx.tf, ...(cfg.monitoring.enabled ? (["statsd"] as const) : [])],
    healthcheck,
  });
}

function workersSpec(ctx: Context): Spec {
  return appRole(ctx, "workers", ctx.cfg.app.workers.memory, {
    command: ["poetry", "run", "robotoff-cli", "run", "workers"],
    stopGraceSeconds: ctx.cfg.app.workers.stopGrace,
    env: compactEnv({ ...ctx.appEnv, ...WORKERS_ENV }),
    extraHosts: [{ host: "host.docker.internal", ip: "host-gateway" }],
    dependsOn: ["postgres", ...ctx.tf],
  });
}

function schedulerSpec(ctx: Context): Spec {
  return appRole(ctx, "scheduler", ctx.cfg.app.scheduler.memory, {
    command: ["poetry", "run", "robotoff-cli", "run", "scheduler"],
    dependsOn: ["postgres", "elasticsearch"],
  });
}

function postgresSpec(ctx: Context): Spec {
  const pg = ctx.cfg.postgres;
  return {
    ...ctx.base,
    name: "postgres",
    image: "postgres",
    command: postgresCommand(pg.settings),
    env: compactEnv({
      POSTGRES_USER: pg.user,
      POSTGRES_DB: pg.db,
      POSTGRES_PASSWORD: ctx.secrets.has("postgresPassword") ? { secret: "postgresPassword" } : undefined,
    }),
    ports: published(pg.expose.postgres, PORTS.postgres, "postgres.expose.postgres"),
    volumes: [{ volume: "postgres-data", containerPath: VOLUMES.postgresData }],
    memoryMb: pg.memory,
    shmSizeMb: pg.shmSize,
    // SIGINT is postgres' fast shutdown: it disconnects the app and checkpoints. SIGTERM (smart) would
    // wait for the app's connections to close and be killed mid-way.
    stopSignal: "SIGINT",
    stopGraceSeconds: STOP_GRACE_SECONDS.data,
    healthcheck: postgresHealthcheck(pg.user, pg.db, PORTS.postgres, pg.healthcheck),
    waitTimeoutSeconds: pg.waitTimeout,
  };
}

function elasticsearchSpec(ctx: Context): Spec {
  const es = ctx.cfg.elasticsearch;
  const heap = formatMb(es.heapSize);
  return {
    ...ctx.base,
    name: "elasticsearch",
    image: "elasticsearch",
    env: compactEnv({
      "discovery.type": "single-node",
      "bootstrap.memory_lock": String(es.memoryLock),
      "cluster.routing.allocation.disk.watermark.high": es.diskWatermarkHigh,
      ES_JAVA_OPTS: `-Xms${heap} -Xmx${heap}`,
    }),
    volumes: [{ volume: "es-data", containerPath: VOLUMES.esData }],
    memoryMb: es.memory,
    // bootstrap.memory_lock needs an unlimited memlock; Elasticsearch refuses to start with fewer open files.
    ulimits: [...(es.memoryLock ? [{ name: "memlock", soft: -1, hard: -1 }] : []), { name: "nofile", soft: es.nofile, hard: es.nofile }],
    stopGraceSeconds: STOP_GRACE_SECONDS.data,
    healthcheck: elasticsearchHealthcheck(es.healthcheck),
    waitTimeoutSeconds: es.waitTimeout,
  };
}

/** tf_serving, after tf_models where robotoff:tfServing.models has the stack put the models in place. */
function tfServingSpecs(ctx: Context): Spec[] {
  const { cfg } = ctx;
  const tfs = cfg.tfServing;
  const modelsDir = tfs.modelsDir ?? posix.join(cfg.hostRoot, "tf_models");
  const tfServing: Spec = {
    ...ctx.base,
    name: "tf_serving",
    host: tfs.host,
    image: "tf-serving",
    entrypoint: tfServingEntrypoint(),
    env: {},
    ports: [
      ...published(tfs.expose.grpc, PORTS.tfServingGrpc, "tfServing.expose.grpc"),
      ...published(tfs.expose.rest, PORTS.tfServingRest, "tfServing.expose.rest"),
    ],
    // docker/ml.yml published 8500 and 8501 on every interface: only where config allows it.
    ...(tfs.allowRemoteAccess ? { publishBeyondLoopback: true } : {}),
    binds: [{ hostPath: modelsDir, containerPath: TF_MODELS_MOUNT, readOnly: false }],
    ...(tfs.models ? { dependsOn: ["tf_models" as const] } : {}),
    memoryMb: tfs.memory,
    healthcheck: tfServingHealthcheck(PORTS.tfServingRest, tfs.healthcheck),
    waitTimeoutSeconds: tfs.waitTimeout,
  };
  return tfs.models ? [{ ...ctx.base, dependsOn: [], ...tfModelsService(cfg, tfs.models, modelsDir) }, tfServing] : [tfServing];
}

function monitoringSpecs(ctx: Context, files: StackFiles): Spec[] {
  if (files.statsdMapping === undefined) throw new Error("monitoring is on but no statsd mapping was given");
  const { cfg, base } = ctx;
  return [
    statsdSpec(cfg, base, files.statsdMapping),
    postgresExporterSpec(base, cfg.postgres, "postgres", PORTS.postgres, cfg.monitoring.postgresExporter.memory),
  ];
}

const containerNameOf = (cfg: StackConfig, name: string) => `${cfg.containerPrefix}-${name}`;

/**
 * The whole topology for a validated config. `secrets` holds the secret keys that have a value
 * (set in config, or generated): variables of absent secrets are left out, as compose leaves out unset ones.
 */
export function buildStackSpec(cfg: StackConfig, secrets: ReadonlySet<SecretKey>, files: StackFiles = {}): StackSpec {
  const ctx = contextOf(cfg, secrets);
  const services: Spec[] = [
    apiSpec(ctx),
    ...(cfg.app.api.release === "rolling" ? [apiProxySpec(cfg, ctx.base)] : []),
    workersSpec(ctx),
    schedulerSpec(ctx),
    postgresSpec(ctx),
    elasticsearchSpec(ctx),
    ...(cfg.tfServing.enabled ? tfServingSpecs(ctx) : []),
    ...(cfg.monitoring.enabled ? monitoringSpecs(ctx, files) : []),
    ...(cfg.postgres.backup.enabled ? [{ ...ctx.base, ...backupService(cfg, PORTS.postgres, secrets.has("postgresPassword")) }] : []),
  ];
  const stopped = new Set<string>(cfg.stopped);
  const named = services.map((svc) => ({
    ...svc,
    containerName: containerNameOf(cfg, svc.name),
    ...(cfg.target === "swarm" ? { scheduling: schedulingOf(cfg, svc.name as ServiceName) } : {}),
    ...(stopped.has(svc.name) ? { stopped: true } : {}),
  }));
  return { hosts: hostSpecsOf(cfg, services), networkName: cfg.networkName, images: imagesOf(cfg, ctx.appImage), volumes: volumesOf(cfg), services: named };
}

function volumesOf(cfg: StackConfig): VolumeSpec[] {
  return [
    { key: "postgres-data", ...cfg.volumes.postgresData },
    { key: "es-data", ...cfg.volumes.esData },
  ];
}
