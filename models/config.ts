/**
 * The stack config (`robotoff:*` keys) as a zod schema. Every default lives here and nowhere else;
 * rules that span several keys are in validate.ts.
 */
import { z } from "zod";
import { isAbsolute, normalize } from "node:path/posix";
import { sizeProblem, sizeToMb } from "./size";
import { bindingProblem, parseBinding } from "./ports";
import { durationProblem, parseDuration } from "./duration";
import { isImageReference, isImageRepository, isImageTag } from "./image";
import { SECRETS_OF, type SecretKey } from "./secrets";

export const NAMESPACE = "robotoff";
export { GENERATIONS, type Generation } from "./generation";
export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
/** The compose services a stack may run (each stack runs some of them). */
export const SERVICE_NAMES = [
  "api",
  "workers",
  "scheduler",
  "postgres",
  "elasticsearch",
  "tf_serving",
  "statsd",
  "postgres_exporter",
  "postgres_backup",
  "tf_models",
  "api_proxy",
] as const;
export const RESTART_POLICIES = ["no", "always", "on-failure", "unless-stopped"] as const;
/** external: read, never created or deleted (compose `external: true`); retained: created, then protected
 * and kept on delete; managed: created and deleted with the stack (dev only). */
export const VOLUME_LIFECYCLES = ["external", "retained", "managed"] as const;
/** What the stack runs on: one container per service on Docker hosts, or Docker Swarm services. */
export const TARGETS = ["containers", "swarm"] as const;
export const UPDATE_ORDERS = ["start-first", "stop-first"] as const;
/**
 * How a release replaces the api on the containers target. replace: one container, removed and created
 * again (compose's way: the api is down until the new one answers); rolling: two copies behind a proxy that
 * holds the public port, replaced one after the other, each once the one before is healthy.
 */
export const RELEASE_MODES = ["replace", "rolling"] as const;

export const custom = <T extends z.ZodType>(schema: T, problem: (v: z.output<T>) => string | undefined) =>
  schema.superRefine((value, ctx) => {
    const expected = problem(value);
    if (expected) ctx.addIssue({ code: "custom", message: `expected ${expected}` });
  });

/** A value of another type is told what was expected (`expected <what>`), not "a string". */
export const StringOf = (what: string, ifNumber = "") => z.string({ error: (issue) => `expected ${what}${typeof issue.input === "number" ? ifNumber : ""}` });

/** YAML reads an unquoted 3.10 as the number 3.1: what it dropped cannot be taken back. */
const QUOTE_IT = " (quote it in the stack file: YAML reads an unquoted 3.10 as the number 3.1)";

/**
 * Text that `pulumi config set --path` may have stored as a number: with --path the CLI writes `8500` or
 * `1234` as a YAML integer. Taken back as the text the operator typed. A number with a fraction (only a
 * stack file written by hand holds one) is refused, with a word to quote it.
 */
export const TextOf = (what: string) => z.preprocess((v) => (typeof v === "number" && Number.isSafeInteger(v) ? String(v) : v), StringOf(what, QUOTE_IT));
export const Text = TextOf("text");

/**
 * A compose size of at least `min`, which the service needs to start, parsed to whole MB. A bare number
 * has no unit: refused. Its default is the text an operator would write.
 */
export const Size = (min: string, why: string, byDefault: string) =>
  custom(StringOf("a compose size like 6g or 6144m"), (v) => sizeProblem(v) ?? (sizeToMb(v) < sizeToMb(min) ? `at least ${min} (${why})` : undefined))
    .default(byDefault)
    .transform(sizeToMb);
/** `[ip:]port`, parsed; null publishes nothing. */
export const Binding = (byDefault: string) =>
  custom(Text, bindingProblem)
    .nullable()
    .default(byDefault)
    .transform((v) => (v === null ? null : parseBinding(v)));
/** `[ip:]port` or null, parsed; unset (undefined) leaves the choice to the generation's catalog. */
export const OptionalBinding = custom(Text, bindingProblem)
  .nullable()
  .optional()
  .transform((v) => (v === null || v === undefined ? v : parseBinding(v)));
const Port = z.int().min(1).max(65535);
const IMAGE_REFERENCE = "a Docker image reference like postgres:11.2-alpine";
export const Image = custom(TextOf(IMAGE_REFERENCE), (v) => (isImageReference(v) ? undefined : IMAGE_REFERENCE));
export const IMAGE_TAG = "an image tag like latest or sha-<commit>";
const ABSOLUTE_PATH = "an absolute, normalized host path like /srv/robotoff";
export const AbsolutePath = custom(StringOf(ABSOLUTE_PATH), (v) =>
  v !== "" && isAbsolute(v) && normalize(v) === v.replace(/(.)\/$/, "$1") ? undefined : ABSOLUTE_PATH,
);
/**
 * The host's own folders, which no container may have read-write: the root, the system's folders (under /run and
 * /var/run lives docker.sock: root on the host) and whole top-level trees of data.
 */
const SYSTEM_FOLDERS = ["/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/proc", "/run", "/sbin", "/sys", "/usr", "/var/run", "/var/lib/docker"];
const WHOLE_TREES = ["/", "/home", "/root", "/var", "/srv", "/opt", "/mnt", "/media", "/tmp"];
export function systemFolderProblem(path: string): string | undefined {
  const system = SYSTEM_FOLDERS.find((f) => path === f || path.startsWith(`${f}/`));
  if (system) return `a folder of the stack's own, like /srv/robotoff, not ${path}: ${system} is the host system's, and a container would write to it`;
  if (WHOLE_TREES.includes(path)) return `a folder of the stack's own, like /srv/robotoff, not ${path}: a container would write to the whole tree`;
  return undefined;
}
/** An absolute host folder a container mounts read-write (systemFolderProblem). */
export const HostFolder = custom(AbsolutePath, systemFolderProblem);

/** A duration parsed to whole seconds; a bare number has no unit: refused. */
export const DurationText = custom(StringOf("a duration like 90s"), durationProblem);
export const Duration = (byDefault: string) => DurationText.default(byDefault).transform(parseDuration);

/** Healthcheck timing, with the defaults that suit each service. */
export const Healthcheck = (d: { interval: string; timeout: string; retries: number; startPeriod: string }) =>
  z
    .strictObject({
      interval: Duration(d.interval),
      timeout: Duration(d.timeout),
      retries: z.int().min(1).max(100).default(d.retries),
      /** Failures during this time after start do not count. */
      startPeriod: Duration(d.startPeriod),
    })
    .prefault({});

/** A string matching `pattern`; `what` is what the error says was expected. */
export const Matching = (pattern: RegExp, what: string) => z.string().regex(pattern, { error: `expected ${what}` });

export const DockerName = Text.pipe(Matching(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, "a Docker name: letters, digits, _ . and -, starting with a letter or digit"));
export const EnvName = Matching(/^[A-Za-z_][A-Za-z0-9_.]*$/, "a variable name: letters, digits, _ and ., not starting with a digit");

const AppRole = (memory: string, min: string) => z.strictObject({ memory: Size(min, "Robotoff loads its models and data at start", memory) });

export const Api = (memory: string) =>
  z
    .strictObject({
      memory: Size("512m", "Robotoff loads its models and data at start", memory),
      expose: z.strictObject({ http: Binding("127.0.0.1:5500") }).prefault({}),
      healthcheck: Healthcheck({ interval: "30s", timeout: "5s", retries: 3, startPeriod: "1m0s" }),
      release: z.enum(RELEASE_MODES).default("replace"),
      /** rolling: how long each new copy may take to be healthy; unset, its healthcheck's whole budget. */
      waitTimeout: DurationText.transform(parseDuration).optional(),
      /** rolling: the reverse proxy in front of the copies. */
      proxy: z
        .strictObject({
          image: Image.default("haproxy:2.6"),
          memory: Size("32m", "HAProxy's buffers for its connections", "256m"),
        })
        .prefault({}),
    })
    .prefault({});

/** The postgres_backup service: pg_dump on a schedule (models/backup.ts). */
export const PostgresBackup = z
  .strictObject({
    /** On by default in staging and prod, off in dev. */
    enabled: z.boolean().optional(),
    /** Daily, at this time of day in UTC (HH:MM). */
    at: custom(z.string(), (v) => (/^([01][0-9]|2[0-3]):[0-5][0-9]$/.test(v) ? undefined : "a time of day in UTC like 03:00")).default("03:00"),
    /** How many dumps to keep; older ones are deleted after each new one. */
    keep: z.int().min(1).max(1000).default(7),
    /** Host folder the dumps go to, on postgres' host; defaults to `<hostRoot>/backups`. */
    dir: HostFolder.optional(),
    memory: Size("64m", "pg_dump's working memory", "512m"),
  })
  .prefault({});

/** docker/monitor.yml's statsd exporter. */
export const StatsdExporter = z
  .strictObject({
    image: Image.default("prom/statsd-exporter:v0.22.2"),
    memory: Size("32m", "the exporter's smallest footprint", "256m"),
    expose: z.strictObject({ metrics: Binding("127.0.0.1:9102") }).prefault({}),
  })
  .prefault({});

const App = z.strictObject({
  /** Docker host api, workers and scheduler run on: a key of robotoff:hosts. */
  host: Text.default("local"),
  image: custom(Text, (v) => (isImageRepository(v) ? undefined : "an image repository without tag, like ghcr.io/openfoodfacts/robotoff")).default(
    "ghcr.io/openfoodfacts/robotoff",
  ),
  tag: custom(TextOf(IMAGE_TAG), (v) => (isImageTag(v) ? undefined : IMAGE_TAG)).default("latest"),
  instance: Text.optional(),
  domain: Text.optional(),
  scheme: z.enum(["http", "https"]).optional(),
  staticOffDomain: Text.optional(),
  gunicornNumWorkers: z.int().positive().optional(),
  ipcPort: Port.default(6650),
  workerCount: z.int().positive().default(8),
  updatedProductWait: z.number().nonnegative().optional(),
  offUser: Text.optional(),
  influxdb: z
    .strictObject({
      host: Text.optional(),
      port: Port.default(8086),
      dbName: Text.optional(),
      username: Text.optional(),
    })
    .prefault({}),
  /** Dev sits on two networks, so it names hosts `postgres.webnet` rather than `postgres`. */
  networkQualifiedHosts: z.boolean().default(false),
  /** Pass TF_SERVING_HOST to the app (staging and prod do; the dev .env leaves it unset). */
  setTfServingHost: z.boolean().default(false),
  /** More variables for the three app containers; none may be one the stack sets itself. */
  env: z.record(EnvName, Text).default({}),
  api: Api("2g"),
  workers: AppRole("8g", "1g")
    .extend({
      /**
       * How long a stop (a release, `ops stop`) lets the workers run the jobs they queued before Docker kills them
       * (their queue is in memory: what is left is lost). Compose's default.
       */
      stopGrace: Duration("10s"),
    })
    .prefault({}),
  scheduler: AppRole("4g", "512m").prefault({}),
});

// postgres and Elasticsearch run on robotoff:app.host, with the app, as compose runs them: their ports stay
// on loopback, and nothing publishes the database to another host.
const Postgres = z.strictObject({
  image: Image.default("postgres:11.2-alpine"),
  user: Text.pipe(z.string().min(1)).default("postgres"),
  db: Text.pipe(z.string().min(1)).default("postgres"),
  memory: Size("256m", "postgres needs room for shared_buffers and connections", "4g"),
  shmSize: Size("64m", "Docker's default; postgres' parallel queries use it", "1g"),
  /** Server settings passed as `-c name=value`, in this order. */
  settings: z
    .record(Matching(/^[a-z][a-z0-9_.]*$/, "a postgres setting name like shared_buffers"), z.union([z.string().min(1), z.number()]))
    .default({ shared_buffers: "1024MB", work_mem: "64MB" }),
  expose: z.strictObject({ postgres: Binding("127.0.0.1:5432") }).prefault({}),
  healthcheck: Healthcheck({ interval: "10s", timeout: "5s", retries: 6, startPeriod: "30s" }),
  /** How long a create waits for postgres to be healthy before it fails the deploy. */
  waitTimeout: Duration("2m0s"),
  /** The postgres_backup service: pg_dump on a schedule (models/backup.ts). */
  backup: PostgresBackup,
});

const Elasticsearch = z.strictObject({
  image: Image.default("raphael0202/elasticsearch"),
  memory: Size("512m", "Elasticsearch needs twice its heap", "2g"),
  /** JVM heap, both -Xms and -Xmx. */
  heapSize: Size("256m", "Elasticsearch's smallest workable heap", "512m"),
  diskWatermarkHigh: Text.pipe(Matching(/^[0-9]+(\.[0-9]+)?%$/, "a percentage like 95%")).default("95%"),
  nofile: z.int().min(65535).default(262144),
  /**
   * bootstrap.memory_lock keeps the heap out of swap; it needs an unlimited memlock ulimit, the one
   * exception to the stack's default limits. Turn both off where the host forbids unlimited memlock.
   */
  memoryLock: z.boolean().default(true),
  healthcheck: Healthcheck({ interval: "10s", timeout: "10s", retries: 12, startPeriod: "1m0s" }),
  waitTimeout: Duration("5m0s"),
});

const TfServing = z.strictObject({
  /** Docker host it runs on: a key of robotoff:hosts. */
  host: Text.default("local"),
  enabled: z.boolean().default(true),
  image: Image.default("tensorflow/serving:2.4.0"),
  memory: Size("1g", "TensorFlow Serving loads every model at start", "10g"),
  /** Host folder with models.config; defaults to `<hostRoot>/tf_models`, the folder the app mounts. */
  modelsDir: HostFolder.optional(),
  expose: z
    .strictObject({
      grpc: Binding("127.0.0.1:8500"),
      rest: Binding("127.0.0.1:8501"),
    })
    .prefault({}),
  /**
   * The models the stack puts in place (models/tf-models.ts): each release archive downloaded, checked
   * against its sha256, unpacked under `<modelsDir>/<name>/<version>`, and models.config written. Unset:
   * modelsDir and its models.config are the operator's, as in the compose era.
   */
  models: z
    .array(
      z.strictObject({
        /** The model's name in models.config and in the app's requests. */
        name: Matching(/^[a-z0-9][a-z0-9_.-]*$/, "a model name: lowercase letters, digits, _ . and -"),
        /** The release archive (.tar.gz), e.g. a robotoff-models release asset. */
        url: custom(z.string(), (v) => (/^https?:\/\/\S+$/.test(v) ? undefined : "an http(s) URL of a .tar.gz archive")),
        sha256: custom(z.string(), (v) => (/^[0-9a-f]{64}$/.test(v) ? undefined : "the archive's sha256, 64 lowercase hex digits")),
        /** The version folder TensorFlow Serving serves it from. */
        version: z.int().min(1).default(1),
        /** models.config's model_platform. */
        // Written into models.config as a quoted string: a strict name, so no value can close the quotes.
        platform: Matching(/^[a-z][a-z0-9_]*$/, "a TensorFlow Serving platform name like tensorflow").default("tensorflow"),
      }),
    )
    .refine((list) => new Set(list.map((m) => m.name)).size === list.length, { error: "expected models with distinct names" })
    .optional(),
  /** How long a deploy waits for the models to be in place (downloads) before it fails. */
  modelsTimeout: Duration("15m0s"),
  /** Lets expose.grpc/rest bind beyond loopback, as docker/ml.yml did (8500, 8501). */
  allowRemoteAccess: z.boolean().default(false),
  healthcheck: Healthcheck({ interval: "10s", timeout: "5s", retries: 6, startPeriod: "1m0s" }),
  waitTimeout: Duration("5m0s"),
});

/** A Docker host. `local` is the provider's default (DOCKER_HOST, or the local socket). */
/** A host URL whose port (when it names one) is a port: parsed here, so that nothing later parses a bad one. */
function urlPortProblem(url: string): string | undefined {
  try {
    new URL(url);
    return undefined;
  } catch {
    return `an address with a port from 1 to 65535 after the host, like ssh://deploy@ml.openfoodfacts.org:22, not ${JSON.stringify(url)}`;
  }
}
const HostUrl = custom(
  Matching(/^((ssh|tcp):\/\/[^\s/]+|unix:\/\/\/[^\s]+)$/, "an ssh://user@host, tcp://host:port or unix:///path/to/docker.sock address"),
  urlPortProblem,
);

export const Host = z
  .strictObject({
    /** How the stack reaches the Engine: ssh://user@host, tcp://host:port (with certPath: TLS), or unix:///path/to/docker.sock. */
    url: HostUrl.optional(),
    /** For a tcp:// url: the folder of ca.pem, cert.pem and key.pem the provider presents (the Engine's TLS, port 2376). */
    certPath: AbsolutePath.optional(),
    /** How containers on other hosts reach this one; defaults to the host name of url. */
    address: Text.pipe(Matching(/^[A-Za-z0-9.-]+$/, "a host name or IPv4 address like 10.0.0.5")).optional(),
    /** Options for the local `ssh` client that reaches an ssh:// url (`-i <key>`, `-o UserKnownHostsFile=<file>`). */
    sshOpts: z.array(Text.pipe(z.string().min(1))).optional(),
  })
  // A Docker Engine on plain TCP answers anyone who reaches the port, as root on its host.
  .superRefine((h, ctx) => {
    if (h.url?.startsWith("tcp://") && !h.certPath)
      ctx.addIssue({
        code: "custom",
        path: ["url"],
        message:
          "expected an ssh://user@host address (a tcp:// Engine without TLS is root on that host for anyone on its network), or a certPath beside the tcp:// url",
      });
  });

const Dev = z.strictObject({
  /**
   * docker/dev.yml: the app image built from the Robotoff checkout at hostRoot (target runtime-dev), its
   * sources mounted in, and the app on the local Product Opener network too.
   */
  enabled: z.boolean().default(false),
  image: Image.default("openfoodfacts/robotoff:dev"),
  target: Text.pipe(z.string().min(1)).default("runtime-dev"),
  /** OFF_UID / OFF_GID build args: your uid and gid, so that files written to the mounts stay yours. */
  offUid: z.int().nonnegative().default(1000),
  offGid: z.int().nonnegative().default(1000),
  pythonVersion: Text.pipe(Matching(/^[0-9]+\.[0-9]+$/, "a Python version like 3.7")).default("3.7"),
  /** PO_LOCAL_NET: the Product Opener network, created by Product Opener's own stack. */
  productOpenerNetwork: DockerName.default("po_default"),
});

const Monitoring = z.strictObject({
  /** docker/monitor.yml: statsd exporter, postgres exporter, the api under gunicorn with statsd. */
  enabled: z.boolean().default(false),
  statsd: StatsdExporter,
  postgresExporter: z
    .strictObject({
      image: Image.default("prometheuscommunity/postgres-exporter:v0.10.0"),
      memory: Size("32m", "the exporter's smallest footprint", "128m"),
    })
    .prefault({}),
});

export const Volume = (name: string) => z.strictObject({ name: DockerName.default(name), lifecycle: z.enum(VOLUME_LIFECYCLES).optional() }).prefault({});

/** A Swarm node label as `key=value`, set with `docker node update --label-add key=value <node>`. */
export const NodeLabel = Matching(/^[A-Za-z0-9][A-Za-z0-9._-]*=[A-Za-z0-9._-]+$/, "a node label like robotoff.postgres=true");
export const Replicas = z.int().min(1).max(100);

/** robotoff:target swarm: how Swarm runs the same services (read only for that target). */
const Swarm = z
  .strictObject({
    /** Copies of each app role; the scheduler runs once (two would run every job twice). */
    replicas: z.strictObject({ api: Replicas.default(2), workers: Replicas.default(2), scheduler: z.literal(1).default(1) }).prefault({}),
    /**
     * The node label each data service is pinned to: its volume or models folder is node-local. No default:
     * the operator labels the node that holds the data (README, "From one host to a swarm").
     */
    nodeLabels: z.strictObject({ postgres: NodeLabel.optional(), elasticsearch: NodeLabel.optional(), tfServing: NodeLabel.optional() }).prefault({}),
    /**
     * ingress: published on every node through the routing mesh (needs IPVS in the kernel); host: on the node
     * that runs the task only, so a second copy on that node cannot bind the same port.
     */
    publishMode: z.enum(["ingress", "host"]).default("ingress"),
    /** vip: one virtual IP per service (needs IPVS); dnsrr: the service name resolves to every task's address. */
    endpointMode: z.enum(["vip", "dnsrr"]).default("vip"),
    /** The api's rolling update: start the new task, and stop the old one once the new one is healthy. */
    apiUpdateOrder: z.enum(UPDATE_ORDERS).default("start-first"),
    /** How long a task is watched after its update before the next one, and a failure rolls back. */
    updateMonitor: Duration("30s"),
    /** Appended to every Docker secret's name: Swarm secrets are immutable, so a new value needs a new name. */
    secretsVersion: z.int().min(1).default(1),
  })
  .prefault({});

export const secretShapeOf = (keys: readonly SecretKey[]) =>
  Object.fromEntries(keys.map((k) => [k, z.string().optional()])) as Record<SecretKey, z.ZodOptional<z.ZodString>>;
const secretShape = secretShapeOf(SECRETS_OF["2022-09"]);

export const StackConfigSchema = z
  .strictObject({
    /** The compose topology the stack follows (GENERATIONS). */
    generation: z.literal("2022-09").default("2022-09"),
    /** Which overlay set this stack follows: dev, or staging/prod (openfoodfacts.net / .org). */
    environment: z.enum(ENVIRONMENTS),
    target: z.enum(TARGETS).default("containers"),
    /** The compose project folder on the Docker host: bind mounts resolve against it. */
    hostRoot: HostFolder,
    networkName: DockerName.default("webnet"),
    /** Containers are named `<containerPrefix>-<service>` (compose's project name, robotoff). */
    containerPrefix: DockerName.default("robotoff"),
    restartPolicy: z.enum(RESTART_POLICIES).default("no"),
    /** Restarts before Docker gives up, with restartPolicy on-failure. */
    restartMaxRetries: z
      // The runtime passes top-level values as strings, as `pulumi config set` writes them.
      .preprocess((v) => (typeof v === "string" && /^-?[0-9]+$/.test(v) ? Number(v) : v), z.int().min(1).max(100))
      .default(5),
    /** Docker hosts by name; `local` always exists. */
    hosts: z.record(Matching(/^[a-z][a-z0-9-]*$/, "a host name: lowercase letters, digits and -, starting with a letter"), Host).default({}),
    app: App.prefault({}),
    postgres: Postgres.prefault({}),
    elasticsearch: Elasticsearch.prefault({}),
    tfServing: TfServing.prefault({}),
    monitoring: Monitoring.prefault({}),
    dev: Dev.prefault({}),
    /**
     * Services kept stopped across deploys: created but not started, and a refresh leaves them stopped
     * (the provider's start and mustRun, both false).
     */
    stopped: z.array(z.enum(SERVICE_NAMES)).default([]),
    volumes: z.strictObject({ postgresData: Volume("postgres-data"), esData: Volume("es-data") }).prefault({}),
    swarm: Swarm,
    ...secretShape,
  })
  .transform((cfg) => {
    // Data volumes follow docker/prod.yml (external) outside dev unless config says otherwise.
    const lifecycle = cfg.environment === "dev" ? "managed" : "external";
    const volume = (v: { name: string; lifecycle?: (typeof VOLUME_LIFECYCLES)[number] }) => ({ ...v, lifecycle: v.lifecycle ?? lifecycle });
    return {
      ...cfg,
      postgres: { ...cfg.postgres, backup: { ...cfg.postgres.backup, enabled: cfg.postgres.backup.enabled ?? cfg.environment !== "dev" } },
      hosts: { local: {}, ...cfg.hosts } as Record<string, { url?: string; certPath?: string; address?: string; sshOpts?: string[] }>,
      volumes: { postgresData: volume(cfg.volumes.postgresData), esData: volume(cfg.volumes.esData) },
    };
  });

export type StackConfig = z.output<typeof StackConfigSchema>;

/** Top-level keys whose value is an object (passed by the runtime as JSON). */
export const OBJECT_KEYS: ReadonlySet<string> = new Set([
  "hosts",
  "app",
  "postgres",
  "elasticsearch",
  "tfServing",
  "monitoring",
  "dev",
  "volumes",
  "swarm",
  "stopped",
]);

/** The keys that place services on Docker hosts: the app's (with postgres, Elasticsearch and the exporters), and tf_serving's. */
export const HOST_KEYS = { app: ["app", "host"], tf_serving: ["tfServing", "host"] } as const;

/** The host each service runs on: the app's three roles, postgres and Elasticsearch share robotoff:app.host. */
export function hostOf(cfg: StackConfig, service: "app" | "postgres" | "elasticsearch" | "tf_serving"): string {
  return service === "tf_serving" ? cfg.tfServing.host : cfg.app.host;
}

/** How containers elsewhere reach a host: its address, or the host name of its url. */
export function hostAddress(cfg: Pick<StackConfig, "hosts">, host: string): string | undefined {
  const h = cfg.hosts[host];
  // A unix:// url names no host: its hostname is empty.
  return h?.address ?? (h?.url ? new URL(h.url).hostname || undefined : undefined);
}
