/** config -> StackSpec: the compose topology (docker-compose.yml, docker/ml.yml and the dev and monitor overlays) as data. */
import { posix } from "node:path";
import type { StackConfig } from "./config";
import { sizeToMb } from "./size";
import { mayPublishBeyondLoopback, parseBinding, type PublishedPort } from "./ports";
import type { SecretKey } from "./secrets";
import { appEnvValues, WORKERS_ENV } from "./app-env";
import { parseDuration } from "./duration";
import { apiHealthcheck, elasticsearchHealthcheck, postgresHealthcheck, statsdHealthcheck, tfServingHealthcheck } from "./healthchecks";
import { backupService } from "./backup";
import { MODELS_CONFIG_POLL_SECONDS, TF_MODELS_MOUNT, tfModelsService } from "./tf-models";
import type { EnvValue, ImageSpec, Scheduling, ServiceName, ServiceSpec, StackSpec, VolumeSpec } from "./spec";

/** Container-side facts of the services, fixed by the images. */
export const PORTS = {
  api: 5500,
  postgres: 5432,
  tfServingGrpc: 8500,
  tfServingRest: 8501,
  statsdIngest: 9125,
  statsdMetrics: 9102,
} as const;
const STATSD_MAPPING = "/statsd/statsd.conf";
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

/** Seconds a clean stop may take: data services checkpoint and flush; the rest gets compose's 10 s. */
export const STOP_GRACE_SECONDS = { data: 120, default: 10 } as const;

function published(binding: string | null, containerPort: number): PublishedPort[] {
  return binding === null ? [] : [{ ...parseBinding(binding), containerPort, protocol: "tcp" }];
}

/** Drops unset variables (compose passes a bare `KEY:` only when it is set) and sorts by name. */
export function compactEnv(env: Record<string, EnvValue | number | undefined>): Record<string, EnvValue> {
  return Object.fromEntries(
    Object.entries(env)
      .filter((e): e is [string, EnvValue | number] => e[1] !== undefined)
      .map(([k, v]) => [k, typeof v === "number" ? String(v) : v] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

/** `postgres -c shared_buffers=1024MB -c work_mem=64MB`, split as compose splits it. */
export function postgresCommand(settings: Readonly<Record<string, string | number>>): string[] {
  return ["postgres", ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`])];
}

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

/** docker/monitor.yml's api command: gunicorn sending its metrics to the statsd exporter. */
export function gunicornWithStatsd(): string[] {
  return [
    "gunicorn",
    // monitor.yml writes "--config /opt/robotoff/gunicorn.py" as one list item, which gunicorn's argument
    // parser takes for a positional; the image's own entrypoint passes the two separately, as here.
    "--config",
    "/opt/robotoff/gunicorn.py",
    `--statsd-host=statsd:${PORTS.statsdIngest}`,
    "--statsd-prefix=robotoff",
    "--log-file=-",
    "robotoff.app.api:api",
  ];
}

/**
 * Copies, pinning and update order of a service where the target schedules copies (robotoff:swarm).
 * Data services run once on their labelled node and stop before their replacement starts (two servers
 * on one data folder corrupt it); the scheduler runs once (two would run every job twice).
 */
export function schedulingOf(cfg: StackConfig, name: ServiceName): Scheduling {
  const s = cfg.swarm;
  const monitorSeconds = parseDuration(s.updateMonitor);
  const once = { replicas: 1, updateOrder: "stop-first", monitorSeconds } as const;
  switch (name) {
    case "api":
      return { replicas: s.replicas.api, updateOrder: s.apiUpdateOrder, monitorSeconds };
    case "workers":
      return { replicas: s.replicas.workers, updateOrder: "start-first", monitorSeconds };
    case "scheduler":
      return { ...once, replicas: s.replicas.scheduler };
    case "postgres":
    case "postgres_backup": // beside postgres, where its dump folder is
      return { ...once, ...(s.nodeLabels.postgres ? { nodeLabel: s.nodeLabels.postgres } : {}) };
    case "elasticsearch":
      return { ...once, ...(s.nodeLabels.elasticsearch ? { nodeLabel: s.nodeLabels.elasticsearch } : {}) };
    case "tf_serving":
    case "tf_models": // beside tf_serving, where its models folder is
      return { ...once, ...(s.nodeLabels.tfServing ? { nodeLabel: s.nodeLabels.tfServing } : {}) };
    case "statsd":
    case "postgres_exporter":
      return once;
  }
}

/** Files the stack ships into containers. */
export interface StackFiles {
  /** monitoring/statsd.conf: the statsd exporter's mapping (read when monitoring is on). */
  readonly statsdMapping?: string;
}

/**
 * The whole topology for a validated config. `secrets` holds the secret keys that have a value
 * (set in config, or generated): variables of absent secrets are left out, as compose leaves out unset ones.
 */
export function buildStackSpec(cfg: StackConfig, secrets: ReadonlySet<SecretKey>, files: StackFiles = {}): StackSpec {
  const restart = cfg.restartPolicy;
  const restartMaxRetries = restart === "on-failure" ? cfg.restartMaxRetries : undefined;
  const dev = cfg.dev;
  const appImage: ImageSpec = dev.enabled
    ? {
        key: "robotoff",
        reference: dev.image,
        build: {
          context: cfg.hostRoot,
          target: dev.target,
          args: { OFF_UID: String(dev.offUid), OFF_GID: String(dev.offGid), PYTHON_VERSION: dev.pythonVersion },
        },
      }
    : { key: "robotoff", reference: `${cfg.app.image}:${cfg.app.tag}` };
  const images: ImageSpec[] = [
    appImage,
    { key: "postgres", reference: cfg.postgres.image },
    { key: "elasticsearch", reference: cfg.elasticsearch.image },
    ...(cfg.tfServing.enabled ? [{ key: "tf-serving", reference: cfg.tfServing.image }] : []),
    ...(cfg.monitoring.enabled
      ? [
          { key: "statsd-exporter", reference: cfg.monitoring.statsd.image },
          { key: "postgres-exporter", reference: cfg.monitoring.postgresExporter.image },
        ]
      : []),
  ];
  const volumes: VolumeSpec[] = [
    { key: "postgres-data", ...cfg.volumes.postgresData },
    { key: "es-data", ...cfg.volumes.esData },
  ];

  const env = compactEnv(appEnvValues(cfg, secrets));
  const appHost = cfg.app.host;
  const none = {
    host: appHost,
    ports: [],
    binds: [],
    volumes: [],
    ulimits: [],
    extraHosts: [],
    dependsOn: [],
    restart,
    ...(restartMaxRetries ? { restartMaxRetries } : {}),
    stopGraceSeconds: STOP_GRACE_SECONDS.default,
  } as const;
  const app = (name: ServiceName, memory: string, extra: Partial<ServiceSpec>): Omit<ServiceSpec, "containerName"> => ({
    ...none,
    name,
    image: appImage.key,
    env,
    binds: [...APP_DATA_DIRS, ...(dev.enabled ? DEV_SOURCE_MOUNTS : [])].map((path) => ({
      hostPath: posix.join(cfg.hostRoot, path),
      containerPath: `${APP_ROOT}/${path}`,
      readOnly: false,
    })),
    ...(dev.enabled ? { externalNetworks: [dev.productOpenerNetwork] } : {}),
    memoryMb: sizeToMb(memory),
    ...extra,
  });

  // Each app container waits for what it uses at start; tf_serving only where TF_SERVING_HOST is passed.
  const tf: ServiceName[] = cfg.app.setTfServingHost && cfg.tfServing.enabled ? ["tf_serving"] : [];
  const services: Omit<ServiceSpec, "containerName">[] = [
    app("api", cfg.app.api.memory, {
      ports: published(cfg.app.api.expose.http, PORTS.api),
      publishBeyondLoopback: mayPublishBeyondLoopback("app", cfg.tfServing.allowRemoteAccess),
      ...(cfg.monitoring.enabled ? { command: gunicornWithStatsd() } : {}),
      dependsOn: ["workers", "postgres", "elasticsearch", ...tf, ...(cfg.monitoring.enabled ? (["statsd"] as const) : [])],
      healthcheck: apiHealthcheck(PORTS.api, cfg.app.api.healthcheck),
    }),
    app("workers", cfg.app.workers.memory, {
      command: ["poetry", "run", "robotoff-cli", "run", "workers"],
      env: compactEnv({ ...env, ...WORKERS_ENV }),
      extraHosts: [{ host: "host.docker.internal", ip: "host-gateway" }],
      dependsOn: ["postgres", ...tf],
    }),
    app("scheduler", cfg.app.scheduler.memory, {
      command: ["poetry", "run", "robotoff-cli", "run", "scheduler"],
      dependsOn: ["postgres", "elasticsearch"],
    }),
    {
      ...none,
      name: "postgres",
      image: "postgres",
      command: postgresCommand(cfg.postgres.settings),
      env: compactEnv({
        POSTGRES_USER: cfg.postgres.user,
        POSTGRES_DB: cfg.postgres.db,
        POSTGRES_PASSWORD: secrets.has("postgresPassword") ? { secret: "postgresPassword" } : undefined,
      }),
      ports: published(cfg.postgres.expose.postgres, PORTS.postgres),
      volumes: [{ volume: "postgres-data", containerPath: VOLUMES.postgresData }],
      memoryMb: sizeToMb(cfg.postgres.memory),
      shmSizeMb: sizeToMb(cfg.postgres.shmSize),
      // SIGINT is postgres' fast shutdown: it disconnects the app and checkpoints. SIGTERM (smart) would
      // wait for the app's connections to close and be killed mid-way.
      stopSignal: "SIGINT",
      stopGraceSeconds: STOP_GRACE_SECONDS.data,
      healthcheck: postgresHealthcheck(cfg.postgres.user, cfg.postgres.db, PORTS.postgres, cfg.postgres.healthcheck),
      waitTimeoutSeconds: parseDuration(cfg.postgres.waitTimeout),
    },
    {
      ...none,
      name: "elasticsearch",
      image: "elasticsearch",
      env: compactEnv({
        "discovery.type": "single-node",
        "bootstrap.memory_lock": String(cfg.elasticsearch.memoryLock),
        "cluster.routing.allocation.disk.watermark.high": cfg.elasticsearch.diskWatermarkHigh,
        ES_JAVA_OPTS: `-Xms${cfg.elasticsearch.heapSize} -Xmx${cfg.elasticsearch.heapSize}`,
      }),
      volumes: [{ volume: "es-data", containerPath: VOLUMES.esData }],
      memoryMb: sizeToMb(cfg.elasticsearch.memory),
      // bootstrap.memory_lock needs an unlimited memlock; Elasticsearch refuses to start with fewer open files.
      ulimits: [
        ...(cfg.elasticsearch.memoryLock ? [{ name: "memlock", soft: -1, hard: -1 }] : []),
        { name: "nofile", soft: cfg.elasticsearch.nofile, hard: cfg.elasticsearch.nofile },
      ],
      stopGraceSeconds: STOP_GRACE_SECONDS.data,
      healthcheck: elasticsearchHealthcheck(cfg.elasticsearch.healthcheck),
      waitTimeoutSeconds: parseDuration(cfg.elasticsearch.waitTimeout),
    },
  ];
  if (cfg.tfServing.enabled) {
    const modelsDir = cfg.tfServing.modelsDir ?? posix.join(cfg.hostRoot, "tf_models");
    const models = cfg.tfServing.models;
    if (models) services.push({ ...none, dependsOn: [], ...tfModelsService(cfg, models, modelsDir) });
    services.push({
      ...none,
      name: "tf_serving",
      host: cfg.tfServing.host,
      image: "tf-serving",
      entrypoint: tfServingEntrypoint(),
      env: {},
      ports: [
        ...published(cfg.tfServing.expose.grpc, PORTS.tfServingGrpc),
        ...published(cfg.tfServing.expose.rest, PORTS.tfServingRest),
      ],
      ...(mayPublishBeyondLoopback("tfServing", cfg.tfServing.allowRemoteAccess) ? { publishBeyondLoopback: true } : {}),
      binds: [{ hostPath: modelsDir, containerPath: TF_MODELS_MOUNT, readOnly: false }],
      // With robotoff:tfServing.models, tf_models puts them in place first.
      ...(models ? { dependsOn: ["tf_models" as const] } : {}),
      memoryMb: sizeToMb(cfg.tfServing.memory),
      healthcheck: tfServingHealthcheck(PORTS.tfServingRest, cfg.tfServing.healthcheck),
      waitTimeoutSeconds: parseDuration(cfg.tfServing.waitTimeout),
    });
  }
  if (cfg.monitoring.enabled) {
    if (files.statsdMapping === undefined) throw new Error("monitoring is on but no statsd mapping was given");
    const pg = cfg.postgres;
    services.push(
      {
        ...none,
        name: "statsd",
        image: "statsd-exporter",
        // The image's own ENTRYPOINT, stated: a read-only container runs it after its files are written.
        entrypoint: ["/bin/statsd_exporter"],
        command: [`--statsd.mapping-config=${STATSD_MAPPING}`],
        env: {},
        ports: published(cfg.monitoring.statsd.expose.metrics, PORTS.statsdMetrics),
        files: [{ containerPath: STATSD_MAPPING, content: files.statsdMapping }],
        readOnlyRootfs: true,
        memoryMb: sizeToMb(cfg.monitoring.statsd.memory),
        healthcheck: statsdHealthcheck(PORTS.statsdMetrics),
        waitTimeoutSeconds: 60,
      },
      {
        ...none,
        name: "postgres_exporter",
        image: "postgres-exporter",
        env: {
          // The password is URI-encoded: a DSN breaks on one with @, : or /.
          DATA_SOURCE_NAME: {
            secret: "postgresPassword",
            prefix: `postgresql://${encodeURIComponent(pg.user)}:`,
            suffix: `@postgres:${PORTS.postgres}/${encodeURIComponent(pg.db)}?sslmode=disable`,
            uriEncode: true,
          },
        },
        readOnlyRootfs: true,
        memoryMb: sizeToMb(cfg.monitoring.postgresExporter.memory),
        dependsOn: ["postgres"],
      },
    );
  }
  if (cfg.postgres.backup.enabled) services.push({ ...none, ...backupService(cfg, PORTS.postgres, secrets.has("postgresPassword")) });
  const stopped = new Set(cfg.stopped);
  const named = services.map((svc) => ({
    ...svc,
    containerName: `${cfg.containerPrefix}-${svc.name}`,
    ...(cfg.target === "swarm" ? { scheduling: schedulingOf(cfg, svc.name) } : {}),
    ...(stopped.has(svc.name) ? { stopped: true } : {}),
  }));
  const externalNetworks = [...new Set(services.flatMap((svc) => svc.externalNetworks ?? []))];
  const hosts = [...new Set(services.map((svc) => svc.host))].map((name) => {
    const { url, sshOpts } = cfg.hosts[name] ?? {};
    return { name, ...(url ? { url } : {}), ...(url && sshOpts?.length ? { sshOpts } : {}) };
  });
  return { hosts, networkName: cfg.networkName, externalNetworks, images, volumes, services: named };
}
