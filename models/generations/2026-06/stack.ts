/**
 * config -> StackSpec for generation 2026-06: docker-compose.yml, docker/ml.yml (a local Triton) and the dev, prod
 * and monitor overlays as data. Differences from compose are marked DEVIATION, and listed in README.
 */
import { posix } from "node:path";
import { formatMb } from "../../size";
import type { SecretKey } from "../../secrets";
import { backupService } from "../../backup";
import {
  API_PORT_KEY,
  apiHealthcheck,
  elasticsearch8Healthcheck,
  fasttextHealthcheck,
  healthBudgetSeconds,
  postgresHealthcheck,
  redisHealthcheck,
  tritonHealthcheck,
} from "../../healthchecks";
import {
  API_COPIES,
  apiProxySpec,
  appImageOf,
  compactEnv,
  gunicornWithStatsd,
  hostSpecsOf,
  postgresCommand,
  postgresExporterSpec,
  published,
  serviceBase,
  statsdSpec,
  STOP_GRACE_SECONDS,
  type ServiceBase,
  type Spec,
  type StackFiles,
} from "../../compose";
import type { EnvValue, ImageSpec, StackSpec, VolumeSpec } from "../../spec";
import type { Config2026 } from "./config";
import { appEnv2026, networkOf, PORTS_2026 as PORTS, serviceHost } from "./env";

const APP_ROOT = "/opt/robotoff";
/** x-robotoff-base-volumes: the checkout's folders the app reads and writes. */
const APP_DATA_DIRS = ["data", "cache", "datasets", "models"] as const;
/** docker/dev.yml's source mounts, ./<path>:/opt/robotoff/<path> (data and cache are the base's already). */
export const DEV_SOURCE_MOUNTS_2026 = [
  "robotoff",
  "scripts",
  "pyproject.toml",
  "uv.lock",
  "tests",
  ".cov",
  "i18n",
  "migrations",
  "mkdocs.yml",
  "build_mkdocs.sh",
  "README.md",
  "docs",
  "gh_pages",
] as const;

/** The named volumes of docker-compose.yml: key -> the container path each is mounted at, and which config key names it. */
export const VOLUMES_2026 = {
  postgresData: { key: "postgres-data", path: "/var/lib/postgresql/data" },
  backup: { key: "backup", path: "/opt/robotoff-backups" },
  redisData: { key: "redis-data", path: "/data" },
  esData: { key: "es-data", path: "/usr/share/elasticsearch/data" },
} as const;
/** Volumes compose creates for caches and scratch space: named `<project>_<suffix>`, created and deleted with the stack. */
const SCRATCH_VOLUMES = {
  "es-logs": { suffix: "es-logs", path: "/usr/share/elasticsearch/logs" },
  elasticsearch_tmp: { suffix: "elasticsearch_tmp", path: "/tmp" },
  robotoff_tmp: { suffix: "tmp", path: "/tmp" },
  home_cache: { suffix: "home_cache", path: "/home/off/.cache" },
} as const;

/** The RQ queues of worker `n` (1-based): its own high-priority queue first, the low one last (upstream's comment). */
export const workerQueues = (n: number) => [`robotoff-high-${n}`, "robotoff-ml-model", "robotoff-low"];
export const ML_WORKER_QUEUES = ["robotoff-ml-model", "robotoff-low"];
const runWorker = (queues: readonly string[]) => ["python", "-m", "robotoff", "run-worker", ...queues];

/**
 * DEVIATION: the image's ENTRYPOINT is the shell form `/docker-entrypoint.sh $0 $@`, whose PID 1 is /bin/sh: it does
 * not pass SIGTERM on, so a stop kills a worker mid-job after the grace period, and it splits arguments on spaces
 * (measured: test/engine/entrypoint-signal.test.ts). The same script in exec form: it activates the venv and `exec`s
 * the command, which is then PID 1 and gets the stop signal (RQ's warm shutdown).
 */
export const APP_ENTRYPOINT = ["/docker-entrypoint.sh"];
/** The image's CMD (upstream's Dockerfile), stated: an entrypoint set at create drops the image's CMD. */
export const API_COMMAND = ["gunicorn", "--config", "/opt/robotoff/gunicorn.py", "--log-file=-", "robotoff.app.api:api"];

/**
 * What upstream's deploy runs by hand before `make up` (`make migrate-db`; `make init-elasticsearch` on a first
 * install), as `docker compose run --rm --no-deps api` runs them: the api's container settings, the command
 * replaced. Each runs to completion when created, again whenever the app image changes; the app's containers
 * wait for both to exit 0 (DEVIATION: compose's `up` does not wait for them).
 */
export const ONE_OFFS = ["migrate-db", "init-elasticsearch"] as const;

interface Context {
  readonly cfg: Config2026;
  readonly secrets: ReadonlySet<SecretKey>;
  readonly base: ServiceBase;
  readonly appImage: ImageSpec;
  readonly appEnv: Readonly<Record<string, EnvValue>>;
  /** Local services the app uses at start and that have a healthcheck: fasttext, and triton where it runs here. */
  readonly ml: readonly string[];
}

function contextOf(cfg: Config2026, secrets: ReadonlySet<SecretKey>): Context {
  return {
    cfg,
    secrets,
    base: serviceBase(cfg),
    // The image is built with uv (upstream's Dockerfile): its lock file, not poetry's.
    appImage: appImageOf(cfg, ["Dockerfile", "pyproject.toml", "uv.lock"]),
    appEnv: compactEnv(appEnv2026(cfg, secrets)),
    ml: cfg.triton.mode === "local" ? ["fasttext", "triton"] : ["fasttext"],
  };
}

/** x-robotoff-base: the app image, its env, the checkout's folders and two scratch volumes, on both networks. */
function appRole(ctx: Context, name: string, memoryMb: number, extra: Partial<Spec>): Spec {
  const { cfg } = ctx;
  const folders = [...APP_DATA_DIRS, ...(cfg.dev.enabled ? DEV_SOURCE_MOUNTS_2026 : [])];
  return {
    ...ctx.base,
    name,
    image: ctx.appImage.key,
    entrypoint: APP_ENTRYPOINT,
    env: ctx.appEnv,
    binds: folders.map((path) => ({ hostPath: posix.join(cfg.hostRoot, path), containerPath: `${APP_ROOT}/${path}`, readOnly: false })),
    volumes: [
      { volume: "robotoff_tmp", containerPath: SCRATCH_VOLUMES.robotoff_tmp.path },
      { volume: "home_cache", containerPath: SCRATCH_VOLUMES.home_cache.path },
    ],
    externalNetworks: [cfg.commonNet],
    memoryMb,
    app: true,
    ...extra,
  };
}

function apiSpec(ctx: Context): Spec {
  const { cfg } = ctx;
  const api = cfg.app.api;
  const healthcheck = apiHealthcheck(PORTS.api, api.healthcheck);
  return appRole(ctx, "api", api.memory, {
    ...(api.release === "rolling"
      ? { copies: API_COPIES, waitTimeoutSeconds: api.waitTimeout ?? healthBudgetSeconds(healthcheck) }
      : { ports: published(api.expose.http, PORTS.api, API_PORT_KEY), publishBeyondLoopback: true }),
    command: cfg.monitoring.enabled ? gunicornWithStatsd() : API_COMMAND,
    dependsOn: ["postgres", "redis", "elasticsearch", ...ctx.ml, ...(cfg.monitoring.enabled ? ["statsd"] : []), ...ONE_OFFS],
    healthcheck,
  });
}

/** worker-1..N and worker-ml-1..N: fixed container names (compose's container_name), one RQ worker each. */
function workerSpecs(ctx: Context): Spec[] {
  const { workers, mlWorkers } = ctx.cfg.app;
  const worker = (name: string, queues: readonly string[], role: typeof workers) =>
    appRole(ctx, name, role.memory, {
      command: runWorker(queues),
      // RQ's warm shutdown: SIGTERM lets the current job finish; the grace is how long it may take.
      stopGraceSeconds: role.stopGrace,
      dependsOn: ["postgres", "redis", ...ctx.ml, ...ONE_OFFS],
      group: "workers",
    });
  return [
    ...Array.from({ length: workers.count }, (_, i) => worker(`worker-${i + 1}`, workerQueues(i + 1), workers)),
    ...Array.from({ length: mlWorkers.count }, (_, i) => worker(`worker-ml-${i + 1}`, ML_WORKER_QUEUES, mlWorkers)),
  ];
}

function oneOffSpecs(ctx: Context): Spec[] {
  const task = (name: (typeof ONE_OFFS)[number], dependsOn: string[]): Spec =>
    appRole(ctx, name, ctx.cfg.app.api.memory, {
      command: ["python", "-m", "robotoff", name],
      dependsOn,
      restart: "no",
      oneOff: true,
    });
  return [task("migrate-db", ["postgres"]), task("init-elasticsearch", ["elasticsearch"])];
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
      POSTGRES_PASSWORD: ctx.secrets.has("postgresPassword") ? { secret: "postgresPassword" } : undefined,
      POSTGRES_DB: pg.db,
    }),
    ports: published(pg.expose.postgres, PORTS.postgres, "postgres.expose.postgres"),
    binds: [{ hostPath: posix.join(ctx.cfg.hostRoot, "scripts/backup_postgres.sh"), containerPath: "/opt/backup_postgres.sh", readOnly: false }],
    volumes: [
      { volume: VOLUMES_2026.postgresData.key, containerPath: VOLUMES_2026.postgresData.path },
      { volume: VOLUMES_2026.backup.key, containerPath: VOLUMES_2026.backup.path },
    ],
    memoryMb: pg.memory,
    shmSizeMb: pg.shmSize,
    stopSignal: "SIGINT",
    stopGraceSeconds: STOP_GRACE_SECONDS.data,
    healthcheck: postgresHealthcheck(pg.user, pg.db, PORTS.postgres, pg.healthcheck),
    waitTimeoutSeconds: pg.waitTimeout,
  };
}

function redisSpec(ctx: Context): Spec {
  const r = ctx.cfg.redis;
  return {
    ...ctx.base,
    name: "redis",
    image: "redis",
    // DEVIATION: the official image reads no REDIS_ARGS (redis-stack's images do); passed as arguments here, so that
    // the append-only file upstream asks for is on. The variable is kept, as compose sets it.
    command: ["redis-server", ...r.args.split(/\s+/).filter(Boolean)],
    env: { REDIS_ARGS: r.args },
    ports: published(r.expose.redis, PORTS.redis, "redis.expose.redis"),
    volumes: [{ volume: VOLUMES_2026.redisData.key, containerPath: VOLUMES_2026.redisData.path }],
    memoryMb: r.memory,
    stopGraceSeconds: STOP_GRACE_SECONDS.data,
    healthcheck: redisHealthcheck(r.healthcheck),
    waitTimeoutSeconds: r.waitTimeout,
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
      ES_JAVA_OPTS: `-Xms${heap} -Xmx${heap}`,
      ELASTIC_PASSWORD: ctx.secrets.has("elasticPassword") ? { secret: "elasticPassword" } : undefined,
      "xpack.security.http.ssl.enabled": "false",
    }),
    ports: published(es.expose.http, PORTS.elasticsearch, "elasticsearch.expose.http"),
    volumes: [
      { volume: VOLUMES_2026.esData.key, containerPath: VOLUMES_2026.esData.path },
      { volume: "es-logs", containerPath: SCRATCH_VOLUMES["es-logs"].path },
      { volume: "elasticsearch_tmp", containerPath: SCRATCH_VOLUMES.elasticsearch_tmp.path },
    ],
    memoryMb: es.memory,
    ulimits: [...(es.memoryLock ? [{ name: "memlock", soft: -1, hard: -1 }] : []), { name: "nofile", soft: es.nofile, hard: es.nofile }],
    stopGraceSeconds: STOP_GRACE_SECONDS.data,
    healthcheck: elasticsearch8Healthcheck(es.healthcheck),
    waitTimeoutSeconds: es.waitTimeout,
  };
}

function fasttextSpec(ctx: Context): Spec {
  const { cfg } = ctx;
  const ft = cfg.fasttext;
  return {
    ...ctx.base,
    name: "fasttext",
    image: "fasttext",
    entrypoint: ["fasttext-serving", "--model=/models/lid.176.bin", "--port", String(PORTS.fasttext), "--address", "0.0.0.0"],
    env: {},
    binds: [{ hostPath: ft.modelsDir ?? posix.join(cfg.hostRoot, "models"), containerPath: "/models", readOnly: false }],
    memoryMb: ft.memory,
    healthcheck: fasttextHealthcheck(PORTS.fasttext, ft.healthcheck),
    waitTimeoutSeconds: ft.waitTimeout,
  };
}

/** docker/ml.yml's triton, where robotoff:triton.mode is local. */
function tritonSpec(ctx: Context): Spec {
  const { cfg } = ctx;
  const t = cfg.triton;
  return {
    ...ctx.base,
    name: "triton",
    host: t.host,
    image: "triton",
    entrypoint: ["tritonserver", "--model-repository=/models", "--model-control-mode=explicit", "--load-model=*"],
    env: {},
    // DEVIATION: docker/ml.yml publishes 5503 to 5505 on every interface; loopback unless triton.allowRemoteAccess.
    ports: [
      ...published(t.expose.http, PORTS.tritonHttp, "triton.expose.http"),
      ...published(t.expose.grpc, PORTS.tritonGrpc, "triton.expose.grpc"),
      ...published(t.expose.metrics, PORTS.tritonMetrics, "triton.expose.metrics"),
    ],
    ...(t.allowRemoteAccess ? { publishBeyondLoopback: true } : {}),
    binds: [{ hostPath: t.modelsDir ?? posix.join(cfg.hostRoot, "models/triton"), containerPath: "/models", readOnly: false }],
    memoryMb: t.memory,
    healthcheck: tritonHealthcheck(PORTS.tritonHttp, t.healthcheck),
    waitTimeoutSeconds: t.waitTimeout,
  };
}

function monitoringSpecs(ctx: Context, files: StackFiles): Spec[] {
  if (files.statsdMapping === undefined) throw new Error("monitoring is on but no statsd mapping was given");
  const { cfg, base } = ctx;
  const exporter = cfg.monitoring.postgresExporter;
  return [
    statsdSpec(cfg, base, files.statsdMapping),
    {
      ...postgresExporterSpec(base, cfg.postgres, serviceHost(cfg, "postgres"), PORTS.postgres, exporter.memory),
      // DEVIATION: monitor.yml publishes 9187 on every interface; loopback here, as every port but the api's.
      ports: published(exporter.expose.metrics, PORTS.postgresExporter, "monitoring.postgresExporter.expose.metrics"),
    },
  ];
}

function imagesOf(cfg: Config2026, appImage: ImageSpec): ImageSpec[] {
  return [
    appImage,
    { key: "postgres", reference: cfg.postgres.image },
    { key: "redis", reference: cfg.redis.image },
    { key: "elasticsearch", reference: cfg.elasticsearch.image },
    { key: "fasttext", reference: cfg.fasttext.image },
    ...(cfg.triton.mode === "local" ? [{ key: "triton", reference: cfg.triton.image }] : []),
    ...(cfg.app.api.release === "rolling" ? [{ key: "haproxy", reference: cfg.app.api.proxy.image }] : []),
    ...(cfg.monitoring.enabled
      ? [
          { key: "statsd-exporter", reference: cfg.monitoring.statsd.image },
          { key: "postgres-exporter", reference: cfg.monitoring.postgresExporter.image },
        ]
      : []),
  ];
}

function volumesOf(cfg: Config2026): VolumeSpec[] {
  return [
    ...(Object.keys(VOLUMES_2026) as (keyof typeof VOLUMES_2026)[]).map((k) => ({ key: VOLUMES_2026[k].key, ...cfg.volumes[k] })),
    ...Object.entries(SCRATCH_VOLUMES).map(([key, v]) => ({ key, name: `${cfg.containerPrefix}_${v.suffix}`, lifecycle: "managed" as const })),
  ];
}

/** The whole 2026-06 topology for a validated config (see models/stack.ts for `secrets` and `files`). */
export function buildStackSpec2026(cfg: Config2026, secrets: ReadonlySet<SecretKey>, files: StackFiles = {}): StackSpec {
  const ctx = contextOf(cfg, secrets);
  const services: Spec[] = [
    apiSpec(ctx),
    ...(cfg.app.api.release === "rolling" ? [apiProxySpec(cfg, ctx.base)] : []),
    {
      ...appRole(ctx, "update-listener", cfg.app.updateListener.memory, { command: ["python", "-m", "robotoff", "run-update-listener"] }),
      dependsOn: ["redis", ...ONE_OFFS],
    },
    ...workerSpecs(ctx),
    appRole(ctx, "scheduler", cfg.app.scheduler.memory, {
      command: ["python", "-m", "robotoff", "run-scheduler"],
      dependsOn: ["postgres", "redis", "elasticsearch", ...ONE_OFFS],
    }),
    ...oneOffSpecs(ctx),
    postgresSpec(ctx),
    redisSpec(ctx),
    elasticsearchSpec(ctx),
    fasttextSpec(ctx),
    ...(cfg.triton.mode === "local" ? [tritonSpec(ctx)] : []),
    ...(cfg.monitoring.enabled ? monitoringSpecs(ctx, files) : []),
    ...(cfg.postgres.backup.enabled ? [{ ...ctx.base, ...backupService(cfg, PORTS.postgres, secrets.has("postgresPassword")) }] : []),
  ];
  const stopped = new Set(cfg.stopped);
  const named = services.map((svc) => ({ ...svc, containerName: `${cfg.containerPrefix}-${svc.name}`, ...(stopped.has(svc.name) ? { stopped: true } : {}) }));
  return { hosts: hostSpecsOf(cfg, services), networkName: networkOf(cfg), images: imagesOf(cfg, ctx.appImage), volumes: volumesOf(cfg), services: named };
}
