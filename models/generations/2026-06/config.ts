/**
 * The stack config of generation 2026-06 (robotoff:generation 2026-06): upstream's docker-compose.yml, docker/ml.yml,
 * the dev, prod and monitor overlays and the `.env` the deploy workflow writes, at release 1.85.10. Every default is
 * upstream's (its value in docker-compose.yml, else in dev.env); where the stack differs, the key says so.
 */
import { z } from "zod";
import {
  Api,
  PostgresBackup,
  StatsdExporter,
  Binding,
  DockerName,
  Duration,
  ENVIRONMENTS,
  EnvName,
  Healthcheck,
  Host,
  HostFolder,
  Image,
  Matching,
  RESTART_POLICIES,
  secretShapeOf,
  Size,
  Text,
  VOLUME_LIFECYCLES,
  custom,
  IMAGE_TAG,
  OptionalBinding,
  TextOf,
} from "../../config";
import { isImageRepository, isImageTag } from "../../image";
import { SECRETS_OF } from "../../secrets";

/** Upstream caps each count at what its compose file declares; beyond this a host runs out of memory long before. */
export const MAX_WORKERS = 32;
const WorkerCount = (byDefault: number) => z.int().min(1).max(MAX_WORKERS).default(byDefault);

/** The domains the api may crop images from (CROP_ALLOWED_DOMAINS in every upstream .env). */
export const CROP_ALLOWED_DOMAINS = [
  "static.openfoodfacts.org",
  "openfoodfacts-images.s3.eu-west-3.amazonaws.com",
  "images.openfoodfacts.org",
  "prices.openfoodfacts.org",
];

const Flag = z.boolean().optional();
const HostName = Text.pipe(Matching(/^[A-Za-z0-9][A-Za-z0-9.-]*$/, "a host name or IPv4 address like 10.3.0.101"));
/** `host:port` as the app's Triton client dials it (gRPC). */
const TritonUri = Text.pipe(Matching(/^[A-Za-z0-9][A-Za-z0-9.-]*:[0-9]{1,5}$/, "a Triton gRPC address host:port like 10.3.0.101:5504"));
/** The models upstream's settings may send to a Triton of their own (TRITON_URI_<MODEL>). */
export const TRITON_MODELS = {
  clip: "TRITON_URI_CLIP",
  nutriscore: "TRITON_URI_NUTRISCORE",
  nutritionTable: "TRITON_URI_NUTRITION_TABLE",
  universalLogoDetector: "TRITON_URI_UNIVERSAL_LOGO_DETECTOR",
  categoryClassifier: "TRITON_URI_CATEGORY_CLASSIFIER",
  ingredientNer: "TRITON_URI_INGREDIENT_NER",
  nutritionExtractor: "TRITON_URI_NUTRITION_EXTRACTOR",
} as const;

const AppRole = (memory: string) => ({ memory: Size("512m", "Robotoff loads its models and data at start", memory) });

const App = z.strictObject({
  /** Docker host the app's containers, postgres, redis, Elasticsearch and fasttext run on: a key of robotoff:hosts. */
  host: Text.default("local"),
  image: custom(Text, (v) => (isImageRepository(v) ? undefined : "an image repository without tag, like ghcr.io/openfoodfacts/robotoff")).default(
    "ghcr.io/openfoodfacts/robotoff",
  ),
  tag: custom(TextOf(IMAGE_TAG), (v) => (isImageTag(v) ? undefined : IMAGE_TAG)).default("latest"),
  /** ROBOTOFF_INSTANCE: dev or prod (Product Opener's .net or .org). */
  instance: Text.optional(),
  /** ROBOTOFF_TLD: net or org. */
  tld: Text.optional(),
  scheme: z.enum(["http", "https"]).optional(),
  /** STATIC_DOMAIN: Product Opener's static domain, when not the instance's own. */
  staticDomain: Text.optional(),
  logLevel: z.enum(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]).optional(),
  /** LOG_ML_METRICS_ENABLED. */
  logMlMetrics: Flag,
  /** GUNICORN_PRELOAD_APP (off in dev: gunicorn's --reload needs it off). */
  gunicornPreloadApp: Flag,
  gunicornNumWorkers: z.int().positive().optional(),
  updatedProductWait: z.number().nonnegative().optional(),
  /** INSIGHT_AUTOMATIC_PROCESSING_WAIT, in seconds. */
  insightAutomaticProcessingWait: z.number().nonnegative().optional(),
  /** ENABLE_MONGODB_ACCESS. */
  mongodbAccess: Flag,
  offUser: Text.optional(),
  imageModerationServiceUrl: custom(Text, (v) => (/^https?:\/\/\S+$/.test(v) ? undefined : "an http(s) URL")).optional(),
  cropAllowedDomains: z.array(HostName).default(CROP_ALLOWED_DOMAINS),
  influxdb: z.strictObject({ host: Text.optional(), port: z.int().min(1).max(65535).default(8086), bucket: Text.optional() }).prefault({}),
  /** Product Opener's Redis stream of product updates, which update-listener reads (REDIS_UPDATE_*). */
  updates: z
    .strictObject({
      /** Unset: the stack's own redis (dev.env's way). */
      host: HostName.optional(),
      port: z.int().min(1).max(65535).optional(),
      streamName: Text.optional(),
    })
    .prefault({}),
  /** Services named `<service>.<network>` (the stack's network), as staging and prod's .env do: common_net has names of its own. */
  networkQualifiedHosts: z.boolean().default(false),
  /** More variables for the app's containers; none may be one the stack sets itself. */
  env: z.record(EnvName, Text).default({}),
  api: Api("6g"),
  updateListener: z.strictObject(AppRole("1g")).prefault({}),
  /** worker-1..N: each on its own high-priority queue robotoff-high-<n>, then the ML and low queues. */
  workers: z
    .strictObject({
      ...AppRole("8g"),
      count: WorkerCount(6),
      /** How long a stop lets a worker finish its current job (RQ's warm shutdown) before Docker kills it. */
      stopGrace: Duration("10s"),
    })
    .prefault({}),
  /** worker-ml-1..N: the ML and low queues only. */
  mlWorkers: z.strictObject({ ...AppRole("8g"), count: WorkerCount(2), stopGrace: Duration("10s") }).prefault({}),
  scheduler: z.strictObject(AppRole("6g")).prefault({}),
});

const Postgres = z.strictObject({
  image: Image.default("postgres:16.3-alpine"),
  user: Text.pipe(z.string().min(1)).default("postgres"),
  db: Text.pipe(z.string().min(1)).default("robotoff"),
  memory: Size("256m", "postgres needs room for shared_buffers and connections", "20g"),
  shmSize: Size("64m", "Docker's default; postgres' parallel queries use it", "1g"),
  /** ROBOTOFF_POSTGRES_SHARED_BUFFERS / _WORK_MEM and any other server setting, passed as `-c name=value` in this order. */
  settings: z
    .record(Matching(/^[a-z][a-z0-9_.]*$/, "a postgres setting name like shared_buffers"), z.union([z.string().min(1), z.number()]))
    .default({ shared_buffers: "1GB", work_mem: "64MB" }),
  expose: z.strictObject({ postgres: Binding("127.0.0.1:5501") }).prefault({}),
  healthcheck: Healthcheck({ interval: "10s", timeout: "5s", retries: 6, startPeriod: "30s" }),
  waitTimeout: Duration("2m0s"),
  /** The stack's scheduled dump (models/backup.ts), beside upstream's `backup` volume and script. */
  backup: PostgresBackup,
});

const Redis = z.strictObject({
  image: Image.default("redis:7.0.5-alpine"),
  memory: Size("64m", "Redis holds the job queues in memory", "4g"),
  /** REDIS_ARGS: snapshots every 60 s after 1000 writes, and the append-only file (no job lost on a restart). */
  args: Text.default("--save 60 1000 --appendonly yes"),
  expose: z.strictObject({ redis: Binding("127.0.0.1:5502") }).prefault({}),
  healthcheck: Healthcheck({ interval: "5s", timeout: "3s", retries: 6, startPeriod: "5s" }),
  waitTimeout: Duration("1m0s"),
});

const Elasticsearch = z.strictObject({
  image: Image.default("elasticsearch:8.5.3"),
  memory: Size("512m", "Elasticsearch needs twice its heap", "15g"),
  heapSize: Size("256m", "Elasticsearch's smallest workable heap", "512m"),
  /** ELASTIC_USER: the user the app authenticates as (the password is robotoff:elasticPassword). */
  user: Text.pipe(z.string().min(1)).default("elastic"),
  nofile: z.int().min(65535).default(262144),
  memoryLock: z.boolean().default(true),
  /** docker/dev.yml publishes 9200 on loopback; unset, dev publishes it there and staging and prod not at all. */
  expose: z.strictObject({ http: OptionalBinding }).prefault({}),
  healthcheck: Healthcheck({ interval: "10s", timeout: "10s", retries: 12, startPeriod: "1m0s" }),
  waitTimeout: Duration("5m0s"),
});

const Fasttext = z.strictObject({
  image: Image.default("messense/fasttext-serving"),
  /** FASTTEXT_MODEL_DIR: the folder of lid.176.bin; defaults to `<hostRoot>/models`. */
  modelsDir: HostFolder.optional(),
  /** Not in compose (no mem_limit): every container gets one here. */
  memory: Size("256m", "fasttext loads lid.176.bin (126 MB) at start", "1g"),
  healthcheck: Healthcheck({ interval: "10s", timeout: "5s", retries: 6, startPeriod: "30s" }),
  waitTimeout: Duration("2m0s"),
});

const Triton = z.strictObject({
  /**
   * local: the triton service of docker/ml.yml, beside the app (dev and staging); remote: a Triton the stack does not
   * run (prod's GPU host, upstream's models/docker-compose.yml), reached at uri.
   */
  mode: z.enum(["local", "remote"]).default("local"),
  /** remote: DEFAULT_TRITON_URI, the Triton's gRPC address. */
  uri: TritonUri.optional(),
  /** Per-model Triton addresses (TRITON_URI_*), where a model is served elsewhere than uri. */
  modelUris: z
    .strictObject(
      Object.fromEntries(Object.keys(TRITON_MODELS).map((k) => [k, TritonUri.optional()])) as Record<
        keyof typeof TRITON_MODELS,
        z.ZodOptional<typeof TritonUri>
      >,
    )
    .prefault({}),
  /** local: the Docker host it runs on (a key of robotoff:hosts). */
  host: Text.default("local"),
  image: Image.default("nvcr.io/nvidia/tritonserver:24.08-py3"),
  memory: Size("1g", "Triton loads every model at start", "30g"),
  /** TRITON_MODELS_DIR: the model repository; defaults to `<hostRoot>/models/triton`. */
  modelsDir: HostFolder.optional(),
  expose: z.strictObject({ http: Binding("127.0.0.1:5503"), grpc: Binding("127.0.0.1:5504"), metrics: Binding("127.0.0.1:5505") }).prefault({}),
  /** Lets expose.* bind beyond loopback, as docker/ml.yml did (5503 to 5505 on every interface). */
  allowRemoteAccess: z.boolean().default(false),
  healthcheck: Healthcheck({ interval: "10s", timeout: "5s", retries: 12, startPeriod: "2m0s" }),
  waitTimeout: Duration("10m0s"),
});

const Monitoring = z.strictObject({
  enabled: z.boolean().default(false),
  statsd: StatsdExporter,
  postgresExporter: z
    .strictObject({
      image: Image.default("prometheuscommunity/postgres-exporter:v0.11.1"),
      memory: Size("32m", "the exporter's smallest footprint", "128m"),
      expose: z.strictObject({ metrics: Binding("127.0.0.1:9187") }).prefault({}),
    })
    .prefault({}),
});

const Dev = z.strictObject({
  /** docker/dev.yml: the app image built from the checkout at hostRoot (target runtime-dev), its sources mounted in. */
  enabled: z.boolean().default(false),
  image: Image.default("openfoodfacts/robotoff:dev"),
  target: Text.pipe(z.string().min(1)).default("runtime-dev"),
  offUid: z.int().nonnegative().default(1000),
  offGid: z.int().nonnegative().default(1000),
  pythonVersion: Text.pipe(Matching(/^[0-9]+\.[0-9]+$/, "a Python version like 3.11")).default("3.11"),
});

/** A data volume: its name (default `<containerPrefix>_<compose name>`, as compose names it) and lifecycle. */
const DataVolume = z.strictObject({ name: DockerName.optional(), lifecycle: z.enum(VOLUME_LIFECYCLES).optional() }).prefault({});
/** The volumes that hold data: each one's name and lifecycle is config (external outside dev, as docker/prod.yml). */
const DataVolumes = z.strictObject({ postgresData: DataVolume, esData: DataVolume, backup: DataVolume, redisData: DataVolume }).prefault({});
/** Each data volume's name in docker-compose.yml. */
const COMPOSE_VOLUME_NAMES = { postgresData: "postgres-data", esData: "es-data", backup: "backup", redisData: "redis-data" } as const;

export const Schema2026 = z
  .strictObject({
    generation: z.literal("2026-06"),
    environment: z.enum(ENVIRONMENTS),
    target: z
      .literal("containers", {
        error: 'expected "containers": generation 2026-06 is not built for Swarm yet (robotoff:generation 2022-09 runs on swarm)',
      })
      .default("containers"),
    /** The Robotoff checkout on the Docker host (compose's project folder): bind mounts resolve against it. */
    hostRoot: HostFolder,
    /** COMPOSE_PROJECT_NAME: containers `<containerPrefix>-<service>`, the network `<containerPrefix>_default`. */
    containerPrefix: DockerName.default("robotoff"),
    /** COMMON_NET_NAME: Product Opener's network the app joins too; po_default in dev, po_webnet elsewhere. */
    commonNet: DockerName.optional(),
    restartPolicy: z.enum(RESTART_POLICIES).default("no"),
    restartMaxRetries: z.preprocess((v) => (typeof v === "string" && /^-?[0-9]+$/.test(v) ? Number(v) : v), z.int().min(1).max(100)).default(5),
    hosts: z.record(Matching(/^[a-z][a-z0-9-]*$/, "a host name: lowercase letters, digits and -, starting with a letter"), Host).default({}),
    app: App.prefault({}),
    postgres: Postgres.prefault({}),
    redis: Redis.prefault({}),
    elasticsearch: Elasticsearch.prefault({}),
    fasttext: Fasttext.prefault({}),
    triton: Triton.prefault({}),
    monitoring: Monitoring.prefault({}),
    dev: Dev.prefault({}),
    /** Services kept stopped across deploys (names as `ops ps` lists them: worker-3, update-listener). */
    stopped: z.array(Text).default([]),
    volumes: DataVolumes,
    ...secretShapeOf(SECRETS_OF["2026-06"]),
  })
  .transform((cfg) => {
    const dev = cfg.environment === "dev";
    const lifecycle = dev ? "managed" : "external";
    const volume = (key: keyof typeof COMPOSE_VOLUME_NAMES, byDefault: (typeof VOLUME_LIFECYCLES)[number]) => ({
      name: cfg.volumes[key].name ?? `${cfg.containerPrefix}_${COMPOSE_VOLUME_NAMES[key]}`,
      lifecycle: cfg.volumes[key].lifecycle ?? byDefault,
    });
    return {
      ...cfg,
      commonNet: cfg.commonNet ?? (dev ? "po_default" : "po_webnet"),
      postgres: { ...cfg.postgres, backup: { ...cfg.postgres.backup, enabled: cfg.postgres.backup.enabled ?? !dev } },
      elasticsearch: {
        ...cfg.elasticsearch,
        expose: {
          http: cfg.elasticsearch.expose.http === undefined ? (cfg.dev.enabled ? { ip: "127.0.0.1", port: 9200 } : null) : cfg.elasticsearch.expose.http,
        },
      },
      hosts: { local: {}, ...cfg.hosts } as Record<string, { url?: string; certPath?: string; address?: string; sshOpts?: string[] }>,
      volumes: {
        postgresData: volume("postgresData", lifecycle),
        esData: volume("esData", lifecycle),
        backup: volume("backup", lifecycle),
        // The job queues: kept when the stack is deleted, outside dev (docker/prod.yml leaves it to compose).
        redisData: volume("redisData", dev ? "managed" : "retained"),
      },
    };
  });

export type Config2026 = z.output<typeof Schema2026>;

/** Top-level keys whose value is an object (passed by the runtime as JSON). */
export const OBJECT_KEYS_2026: ReadonlySet<string> = new Set([
  "hosts",
  "app",
  "postgres",
  "redis",
  "elasticsearch",
  "fasttext",
  "triton",
  "monitoring",
  "dev",
  "volumes",
  "stopped",
]);
