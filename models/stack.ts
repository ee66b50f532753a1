/** config -> StackSpec: the compose topology (docker-compose.yml + docker/ml.yml) as data. */
import { posix } from "node:path";
import type { StackConfig } from "./config";
import { sizeToMb } from "./size";
import { parseBinding, type PublishedPort } from "./ports";
import type { SecretKey } from "./secrets";
import type { EnvValue, ImageSpec, ServiceName, ServiceSpec, StackSpec, VolumeSpec } from "./spec";

/** Container-side facts of the services, fixed by the images. */
export const PORTS = { api: 5500, postgres: 5432, tfServingGrpc: 8500, tfServingRest: 8501 } as const;
const APP_ROOT = "/opt/robotoff";
const APP_DATA_DIRS = ["datasets", "models", "tf_models"] as const;
const TF_MODELS_MOUNT = "/models";

export const VOLUMES = { postgresData: "/var/lib/postgresql/data", esData: "/usr/share/elasticsearch/data" } as const;

/** The secrets a container may need, with the variable each one fills. */
const SECRET_ENV: Record<SecretKey, string> = {
  postgresPassword: "POSTGRES_PASSWORD",
  ipcAuthkey: "IPC_AUTHKEY",
  mongoUri: "MONGO_URI",
  offPassword: "OFF_PASSWORD",
  influxdbPassword: "INFLUXDB_PASSWORD",
  sentryDsn: "SENTRY_DSN",
  slackToken: "SLACK_TOKEN",
};

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

function secretEnv(keys: readonly SecretKey[], present: ReadonlySet<SecretKey>): Record<string, EnvValue> {
  return Object.fromEntries(keys.filter((k) => present.has(k)).map((k) => [SECRET_ENV[k], { secret: k }]));
}

/** `x-robotoff-base-env` of docker-compose.yml, resolved for this stack. */
function appEnv(cfg: StackConfig, secrets: ReadonlySet<SecretKey>): Record<string, EnvValue> {
  const { app } = cfg;
  const host = (service: ServiceName) => (app.networkQualifiedHosts ? `${service}.${cfg.networkName}` : service);
  return compactEnv({
    ROBOTOFF_INSTANCE: app.instance,
    ROBOTOFF_DOMAIN: app.domain,
    ROBOTOFF_SCHEME: app.scheme,
    STATIC_OFF_DOMAIN: app.staticOffDomain,
    GUNICORN_NUM_WORKERS: app.gunicornNumWorkers,
    IPC_HOST: "workers",
    IPC_PORT: app.ipcPort,
    WORKER_COUNT: app.workerCount,
    ROBOTOFF_UPDATED_PRODUCT_WAIT: app.updatedProductWait,
    POSTGRES_HOST: host("postgres"),
    POSTGRES_DB: cfg.postgres.db,
    POSTGRES_USER: cfg.postgres.user,
    OFF_USER: app.offUser,
    INFLUXDB_HOST: app.influxdb.host,
    INFLUXDB_PORT: app.influxdb.port,
    INFLUXDB_DB_NAME: app.influxdb.dbName,
    INFLUXDB_USERNAME: app.influxdb.username,
    ELASTICSEARCH_HOSTS: host("elasticsearch"),
    TF_SERVING_HOST: app.setTfServingHost ? host("tf_serving") : undefined,
    ...secretEnv(
      ["ipcAuthkey", "postgresPassword", "mongoUri", "offPassword", "influxdbPassword", "slackToken", "sentryDsn"],
      secrets,
    ),
  });
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
  ];
}

/**
 * The whole topology for a validated config. `secrets` holds the secret keys that have a value
 * (set in config, or generated): variables of absent secrets are left out, as compose leaves out unset ones.
 */
export function buildStackSpec(cfg: StackConfig, secrets: ReadonlySet<SecretKey>): StackSpec {
  const restart = cfg.restartPolicy;
  const appImage: ImageSpec = { key: "robotoff", reference: `${cfg.app.image}:${cfg.app.tag}` };
  const images: ImageSpec[] = [
    appImage,
    { key: "postgres", reference: cfg.postgres.image },
    { key: "elasticsearch", reference: cfg.elasticsearch.image },
    ...(cfg.tfServing.enabled ? [{ key: "tf-serving", reference: cfg.tfServing.image }] : []),
  ];
  const volumes: VolumeSpec[] = [
    { key: "postgres-data", name: cfg.volumes.postgresData },
    { key: "es-data", name: cfg.volumes.esData },
  ];

  const env = appEnv(cfg, secrets);
  const none = { ports: [], volumes: [], ulimits: [], extraHosts: [], dependsOn: [] } as const;
  const app = (name: ServiceName, memory: string, extra: Partial<ServiceSpec>): ServiceSpec => ({
    ...none,
    name,
    image: appImage.key,
    env,
    binds: APP_DATA_DIRS.map((dir) => ({
      hostPath: posix.join(cfg.hostRoot, dir),
      containerPath: `${APP_ROOT}/${dir}`,
      readOnly: false,
    })),
    memoryMb: sizeToMb(memory),
    restart,
    ...extra,
  });

  const services: ServiceSpec[] = [
    app("api", cfg.app.api.memory, {
      ports: published(cfg.app.api.expose.http, PORTS.api),
      dependsOn: ["workers"],
    }),
    app("workers", cfg.app.workers.memory, {
      command: ["poetry", "run", "robotoff-cli", "run", "workers"],
      env: compactEnv({ ...env, REAL_TIME_IMAGE_PREDICTION: "1" }),
      extraHosts: [{ host: "host.docker.internal", ip: "host-gateway" }],
      dependsOn: ["postgres"],
    }),
    app("scheduler", cfg.app.scheduler.memory, {
      command: ["poetry", "run", "robotoff-cli", "run", "scheduler"],
    }),
    {
      ...none,
      name: "postgres",
      image: "postgres",
      command: postgresCommand(cfg.postgres.settings),
      env: compactEnv({
        POSTGRES_USER: cfg.postgres.user,
        POSTGRES_DB: cfg.postgres.db,
        ...secretEnv(["postgresPassword"], secrets),
      }),
      ports: published(cfg.postgres.expose.postgres, PORTS.postgres),
      binds: [],
      volumes: [{ volume: "postgres-data", containerPath: VOLUMES.postgresData }],
      memoryMb: sizeToMb(cfg.postgres.memory),
      shmSizeMb: sizeToMb(cfg.postgres.shmSize),
      restart,
    },
    {
      ...none,
      name: "elasticsearch",
      image: "elasticsearch",
      env: compactEnv({
        "discovery.type": "single-node",
        "bootstrap.memory_lock": "true",
        "cluster.routing.allocation.disk.watermark.high": cfg.elasticsearch.diskWatermarkHigh,
        ES_JAVA_OPTS: `-Xms${cfg.elasticsearch.heapSize} -Xmx${cfg.elasticsearch.heapSize}`,
      }),
      binds: [],
      volumes: [{ volume: "es-data", containerPath: VOLUMES.esData }],
      memoryMb: sizeToMb(cfg.elasticsearch.memory),
      // bootstrap.memory_lock needs an unlimited memlock; Elasticsearch refuses to start with fewer open files.
      ulimits: [
        { name: "memlock", soft: -1, hard: -1 },
        { name: "nofile", soft: cfg.elasticsearch.nofile, hard: cfg.elasticsearch.nofile },
      ],
      restart,
    },
  ];
  if (cfg.tfServing.enabled) {
    services.push({
      ...none,
      name: "tf_serving",
      image: "tf-serving",
      entrypoint: tfServingEntrypoint(),
      env: {},
      ports: [
        ...published(cfg.tfServing.expose.grpc, PORTS.tfServingGrpc),
        ...published(cfg.tfServing.expose.rest, PORTS.tfServingRest),
      ],
      binds: [
        {
          hostPath: cfg.tfServing.modelsDir ?? posix.join(cfg.hostRoot, "tf_models"),
          containerPath: TF_MODELS_MOUNT,
          readOnly: false,
        },
      ],
      memoryMb: sizeToMb(cfg.tfServing.memory),
      restart,
    });
  }
  return { networkName: cfg.networkName, images, volumes, services };
}
