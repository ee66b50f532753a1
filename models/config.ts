/**
 * The stack config (`robotoff:*` keys), validated. Every default lives here and nowhere else.
 * Input is the flat map the Pulumi runtime hands a program: top-level key -> string, objects as JSON.
 */
import { z } from "zod";
import { isAbsolute, normalize } from "node:path/posix";
import { sizeProblem } from "./size";
import { bindingProblem } from "./ports";
import { isImageReference, isImageRepository, isImageTag } from "./image";
import { SECRET_KEYS, type SecretKey } from "./secrets";

export const NAMESPACE = "robotoff";
export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
export const RESTART_POLICIES = ["no", "always", "on-failure", "unless-stopped"] as const;

const custom = <T extends z.ZodType>(schema: T, problem: (v: z.output<T>) => string | undefined) =>
  schema.superRefine((value, ctx) => {
    const expected = problem(value);
    if (expected) ctx.addIssue({ code: "custom", message: `expected ${expected}` });
  });

const Size = custom(z.string(), sizeProblem);
const Binding = custom(z.string(), bindingProblem);
const Port = z.int().min(1).max(65535);
const Image = custom(z.string(), (v) => (isImageReference(v) ? undefined : "a Docker image reference like postgres:11.2-alpine"));
const AbsolutePath = custom(z.string(), (v) =>
  v !== "" && isAbsolute(v) && normalize(v) === v.replace(/(.)\/$/, "$1") ? undefined : "an absolute, normalized host path like /srv/robotoff",
);

const AppRole = (memory: string) => z.strictObject({ memory: Size.default(memory) });

const App = z.strictObject({
  image: custom(z.string(), (v) => (isImageRepository(v) ? undefined : "an image repository without tag, like ghcr.io/openfoodfacts/robotoff")).default(
    "ghcr.io/openfoodfacts/robotoff",
  ),
  tag: custom(z.string(), (v) => (isImageTag(v) ? undefined : "an image tag like latest or sha-<commit>")).default("latest"),
  instance: z.string().optional(),
  domain: z.string().optional(),
  scheme: z.enum(["http", "https"]).optional(),
  staticOffDomain: z.string().optional(),
  gunicornNumWorkers: z.int().positive().optional(),
  ipcPort: Port.default(6650),
  workerCount: z.int().positive().default(8),
  updatedProductWait: z.number().nonnegative().optional(),
  offUser: z.string().optional(),
  influxdb: z
    .strictObject({
      host: z.string().optional(),
      port: Port.default(8086),
      dbName: z.string().optional(),
      username: z.string().optional(),
    })
    .prefault({}),
  /** Dev sits on two networks, so it names hosts `postgres.webnet` rather than `postgres`. */
  networkQualifiedHosts: z.boolean().default(false),
  /** Pass TF_SERVING_HOST to the app (staging and prod do; the dev .env leaves it unset). */
  setTfServingHost: z.boolean().default(false),
  api: z.strictObject({
    memory: Size.default("2g"),
    expose: z.strictObject({ http: Binding.nullable().default("127.0.0.1:5500") }).prefault({}),
  }).prefault({}),
  workers: AppRole("8g").prefault({}),
  scheduler: AppRole("4g").prefault({}),
});

const Postgres = z.strictObject({
  image: Image.default("postgres:11.2-alpine"),
  user: z.string().min(1).default("postgres"),
  db: z.string().min(1).default("postgres"),
  memory: Size.default("4g"),
  shmSize: Size.default("1g"),
  /** Server settings passed as `-c name=value`, in this order. */
  settings: z
    .record(z.string().regex(/^[a-z][a-z0-9_.]*$/), z.union([z.string().min(1), z.number()]))
    .default({ shared_buffers: "1024MB", work_mem: "64MB" }),
  expose: z.strictObject({ postgres: Binding.nullable().default("127.0.0.1:5432") }).prefault({}),
});

const Elasticsearch = z.strictObject({
  image: Image.default("raphael0202/elasticsearch"),
  memory: Size.default("2g"),
  /** JVM heap, both -Xms and -Xmx. */
  heapSize: Size.default("512m"),
  diskWatermarkHigh: z.string().regex(/^[0-9]+(\.[0-9]+)?%$/).default("95%"),
  nofile: z.int().positive().default(262144),
});

const TfServing = z.strictObject({
  enabled: z.boolean().default(true),
  image: Image.default("tensorflow/serving:2.4.0"),
  memory: Size.default("10g"),
  /** Host folder with models.config; defaults to `<hostRoot>/tf_models`, the folder the app mounts. */
  modelsDir: AbsolutePath.optional(),
  expose: z
    .strictObject({
      grpc: Binding.nullable().default("127.0.0.1:8500"),
      rest: Binding.nullable().default("127.0.0.1:8501"),
    })
    .prefault({}),
});

const VolumeNames = z.strictObject({
  postgresData: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/).default("postgres-data"),
  esData: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/).default("es-data"),
});

const secretShape = Object.fromEntries(SECRET_KEYS.map((k) => [k, z.string().optional()])) as Record<
  SecretKey,
  z.ZodOptional<z.ZodString>
>;

export const StackConfigSchema = z.strictObject({
  /** Which overlay set this stack follows: dev, or staging/prod (openfoodfacts.net / .org). */
  environment: z.enum(ENVIRONMENTS),
  /** The compose project folder on the Docker host: bind mounts resolve against it. */
  hostRoot: AbsolutePath,
  networkName: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/).default("webnet"),
  restartPolicy: z.enum(RESTART_POLICIES).default("no"),
  app: App.prefault({}),
  postgres: Postgres.prefault({}),
  elasticsearch: Elasticsearch.prefault({}),
  tfServing: TfServing.prefault({}),
  volumes: VolumeNames.prefault({}),
  ...secretShape,
});

export type StackConfig = z.output<typeof StackConfigSchema>;

/** Top-level keys whose value is an object (passed by the runtime as JSON). */
const OBJECT_KEYS = new Set(["app", "postgres", "elasticsearch", "tfServing", "volumes"]);

export interface ConfigIssue {
  /** Full key with path, e.g. `robotoff:postgres.memory`. */
  readonly key: string;
  readonly expected: string;
  readonly found: string;
  /** Set for secret keys: the fix is `pulumi config set --secret`. */
  readonly secret?: boolean;
}

export class ConfigError extends Error {
  constructor(
    readonly stackName: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(formatIssues(stackName, issues));
    this.name = "ConfigError";
  }
}

export function formatIssues(stack: string, issues: readonly ConfigIssue[]): string {
  const lines = issues.map(
    (i) =>
      `  ${i.key}: expected ${i.expected}, found ${i.found}\n` +
      `    fix: pulumi config set ${i.secret ? "--secret" : "--path"} '${i.key}' <value> --stack ${stack}`,
  );
  return `Invalid config for stack ${stack} (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n${lines.join("\n")}`;
}

const describe = (value: unknown): string =>
  value === undefined ? "nothing" : JSON.stringify(value) ?? String(value);

function keyOf(path: readonly PropertyKey[]): string {
  const [top, ...rest] = path.map(String);
  return `${NAMESPACE}:${[top, ...rest].join(".")}`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: any = root;
  for (const p of path) v = v == null ? undefined : v[p as any];
  return v;
}

function expectedText(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return issue.expected === "int" ? "a whole number" : `a ${issue.expected}`;
    case "invalid_value":
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "too_small":
      return `at least ${issue.minimum}`;
    case "too_big":
      return `at most ${issue.maximum}`;
    case "invalid_format":
      return issue.format === "regex" ? `a value matching ${(issue as any).pattern}` : `a ${issue.format}`;
    default:
      return issue.message.replace(/^expected /, "");
  }
}

/** Secret keys whose name says what they are: never in clear, in any stack. */
const NAMED_SECRET = /password|token|secret|authkey|dsn/i;

/** Secrets that are missing (staging and prod need them all) or set without `--secret`. */
function secretIssues(
  raw: Readonly<Record<string, string>>,
  environment: unknown,
  secretKeys: ReadonlySet<string>,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const key of SECRET_KEYS) {
    const fullKey = `${NAMESPACE}:${key}`;
    if (!(fullKey in raw)) {
      if (environment === "staging" || environment === "prod") {
        issues.push({ key: fullKey, expected: `a secret (every secret is required in ${environment})`, found: "nothing", secret: true });
      }
    } else if (!secretKeys.has(fullKey) && (NAMED_SECRET.test(key) || environment !== "dev")) {
      issues.push({ key: fullKey, expected: "a secret value (set with --secret)", found: "a plaintext value", secret: true });
    }
  }
  return issues;
}

/**
 * Validates the `robotoff:*` entries of a runtime config map. Reports every problem at once.
 * `secretKeys` are the full keys the CLI marked secret (`secure:` in the stack file).
 */
export function parseStackConfig(
  raw: Readonly<Record<string, string>>,
  stack: string,
  secretKeys: ReadonlySet<string> = new Set(),
): StackConfig {
  const issues: ConfigIssue[] = [];
  const input: Record<string, unknown> = {};
  for (const [fullKey, text] of Object.entries(raw)) {
    if (!fullKey.startsWith(`${NAMESPACE}:`)) continue;
    const key = fullKey.slice(NAMESPACE.length + 1);
    if (OBJECT_KEYS.has(key)) {
      try {
        input[key] = JSON.parse(text);
      } catch {
        issues.push({ key: fullKey, expected: "an object", found: describe(text) });
      }
    } else {
      input[key] = text;
    }
  }
  const result = StackConfigSchema.safeParse(input);
  issues.push(...secretIssues(raw, input.environment, secretKeys));
  if (result.success && issues.length === 0) return result.data;
  for (const issue of result.success ? [] : result.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const k of issue.keys) {
        issues.push({ key: keyOf([...issue.path, k]), expected: "no such key", found: describe(valueAt(input, [...issue.path, k])) });
      }
    } else {
      const secret = (SECRET_KEYS as readonly PropertyKey[]).includes(issue.path[0]);
      const found = secret ? "a value (not shown: secret)" : describe(valueAt(input, issue.path));
      issues.push({ key: keyOf(issue.path), expected: expectedText(issue), found, ...(secret ? { secret } : {}) });
    }
  }
  throw new ConfigError(stack, issues);
}
