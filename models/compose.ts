/**
 * What both generations' catalogs (models/stack.ts, models/generations/2026-06/stack.ts) build their services from:
 * compose's ways with ports, environment and commands, and the services the two describe alike (the api's proxy,
 * the statsd and postgres exporters of docker/monitor.yml).
 */
import { HAPROXY_COMMAND, HAPROXY_CONFIG_PATH, haproxyConfig } from "./api-proxy";
import { API_HEALTH_PATH, API_PORT_KEY, statsdHealthcheck } from "./healthchecks";
import type { HostBinding, PublishedPort } from "./ports";
import type { RESTART_POLICIES } from "./config";
import { containersOf, type EnvValue, type HostSpec, type ImageSpec, type ServiceSpec } from "./spec";

/** A service's spec before it is named on its host (`containerName`, set once for the whole stack). */
export type Spec = Omit<ServiceSpec, "containerName">;
/** What every service has unless it says otherwise: the app's host, no ports or mounts, the restart policy. */
export type ServiceBase = Pick<
  Spec,
  "host" | "ports" | "binds" | "volumes" | "ulimits" | "extraHosts" | "dependsOn" | "restart" | "restartMaxRetries" | "stopGraceSeconds"
>;

/** Files the stack ships into containers. */
export interface StackFiles {
  /** monitoring/statsd.conf: the statsd exporter's mapping (read when monitoring is on). */
  readonly statsdMapping?: string;
}

/** Container-side ports both generations' images fix alike. */
export const API_PORT = 5500;
const STATSD_INGEST_PORT = 9125;
const STATSD_METRICS_PORT = 9102;
export const STATSD_MAPPING = "/statsd/statsd.conf";

/** Robotoff's gunicorn.py: a request may take this long before gunicorn gives up on it. */
const GUNICORN_TIMEOUT_SECONDS = 60;
/** robotoff:app.api.release rolling: copies of the api, the fewest that keep one serving while the other is replaced. */
export const API_COPIES = 2;

/** Seconds a clean stop may take: data services checkpoint and flush; the rest gets compose's 10 s. */
export const STOP_GRACE_SECONDS = { data: 120, default: 10 } as const;

export function published(binding: HostBinding | null, containerPort: number, configKey: string): PublishedPort[] {
  return binding === null ? [] : [{ ...binding, containerPort, protocol: "tcp", configKey }];
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

/** docker/monitor.yml's api command: gunicorn sending its metrics to the statsd exporter. */
export function gunicornWithStatsd(): string[] {
  return [
    "gunicorn",
    // monitor.yml writes "--config /opt/robotoff/gunicorn.py" as one list item, which gunicorn's argument
    // parser takes for a positional; the image's own entrypoint passes the two separately, as here.
    "--config",
    "/opt/robotoff/gunicorn.py",
    `--statsd-host=statsd:${STATSD_INGEST_PORT}`,
    "--statsd-prefix=robotoff",
    "--log-file=-",
    "robotoff.app.api:api",
  ];
}

/** What the shared parts read of a config, in either generation. */
interface SharedConfig {
  readonly hostRoot: string;
  readonly containerPrefix: string;
  readonly restartPolicy: (typeof RESTART_POLICIES)[number];
  readonly restartMaxRetries: number;
  readonly hosts: Readonly<Record<string, { url?: string; sshOpts?: string[]; certPath?: string }>>;
  readonly app: {
    readonly host: string;
    readonly image: string;
    readonly tag: string;
    readonly api: { readonly expose: { readonly http: HostBinding | null }; readonly proxy: { readonly memory: number } };
  };
  readonly dev: {
    readonly enabled: boolean;
    readonly image: string;
    readonly target: string;
    readonly offUid: number;
    readonly offGid: number;
    readonly pythonVersion: string;
  };
  readonly monitoring: { readonly statsd: { readonly memory: number; readonly expose: { readonly metrics: HostBinding | null } } };
}

export function serviceBase(cfg: SharedConfig): ServiceBase {
  const restart = cfg.restartPolicy;
  return {
    host: cfg.app.host,
    ports: [],
    binds: [],
    volumes: [],
    ulimits: [],
    extraHosts: [],
    dependsOn: [],
    restart,
    ...(restart === "on-failure" ? { restartMaxRetries: cfg.restartMaxRetries } : {}),
    stopGraceSeconds: STOP_GRACE_SECONDS.default,
  };
}

/**
 * The app image: pulled at app.tag, or (docker/dev.yml) built from the checkout at hostRoot, rebuilt when one of
 * `inputs` (the generation's Dockerfile and lock files) changes.
 */
export function appImageOf(cfg: SharedConfig, inputs: readonly string[]): ImageSpec {
  const dev = cfg.dev;
  if (!dev.enabled) return { key: "robotoff", reference: `${cfg.app.image}:${cfg.app.tag}` };
  return {
    key: "robotoff",
    reference: dev.image,
    build: {
      context: cfg.hostRoot,
      target: dev.target,
      args: { OFF_UID: String(dev.offUid), OFF_GID: String(dev.offGid), PYTHON_VERSION: dev.pythonVersion },
      inputs,
    },
  };
}

/** robotoff:app.api.release rolling: HAProxy on the api's public port, in front of its copies (models/api-proxy.ts). */
export function apiProxySpec(cfg: SharedConfig, base: ServiceBase): Spec {
  const servers = containersOf({ containerName: `${cfg.containerPrefix}-api`, copies: API_COPIES });
  const config = haproxyConfig({ port: API_PORT, servers, healthPath: API_HEALTH_PATH, serverTimeoutSeconds: GUNICORN_TIMEOUT_SECONDS });
  return {
    ...base,
    name: "api_proxy",
    image: "haproxy",
    entrypoint: [...HAPROXY_COMMAND],
    env: {},
    ports: published(cfg.app.api.expose.http, API_PORT, API_PORT_KEY),
    publishBeyondLoopback: true,
    files: [{ containerPath: HAPROXY_CONFIG_PATH, content: config }],
    readOnlyRootfs: true,
    memoryMb: cfg.app.api.proxy.memory,
    // Started once the copies are healthy: the first deploy opens the port when there is an api behind it.
    dependsOn: ["api"],
  };
}

/** docker/monitor.yml's statsd exporter, with the mapping this repository ships. */
export function statsdSpec(cfg: SharedConfig, base: ServiceBase, mapping: string): Spec {
  const statsd = cfg.monitoring.statsd;
  return {
    ...base,
    name: "statsd",
    image: "statsd-exporter",
    // The image's own ENTRYPOINT, stated: a read-only container runs it after its files are written.
    entrypoint: ["/bin/statsd_exporter"],
    command: [`--statsd.mapping-config=${STATSD_MAPPING}`],
    env: {},
    ports: published(statsd.expose.metrics, STATSD_METRICS_PORT, "monitoring.statsd.expose.metrics"),
    files: [{ containerPath: STATSD_MAPPING, content: mapping }],
    readOnlyRootfs: true,
    memoryMb: statsd.memory,
    healthcheck: statsdHealthcheck(STATSD_METRICS_PORT),
    waitTimeoutSeconds: 60,
  };
}

/** docker/monitor.yml's postgres exporter: its DSN names postgres as the app does (`host`). */
export function postgresExporterSpec(
  base: ServiceBase,
  pg: { readonly user: string; readonly db: string },
  host: string,
  port: number,
  memoryMb: number,
): Spec {
  return {
    ...base,
    name: "postgres_exporter",
    image: "postgres-exporter",
    env: {
      // The password is URI-encoded: a DSN breaks on one with @, : or /.
      DATA_SOURCE_NAME: {
        secret: "postgresPassword",
        prefix: `postgresql://${encodeURIComponent(pg.user)}:`,
        suffix: `@${host}:${port}/${encodeURIComponent(pg.db)}?sslmode=disable`,
        uriEncode: true,
      },
    },
    readOnlyRootfs: true,
    memoryMb,
    dependsOn: ["postgres"],
  };
}

/** The hosts some service runs on, with what the provider needs to reach each (robotoff:hosts). */
export function hostSpecsOf(cfg: SharedConfig, services: readonly Pick<Spec, "host">[]): HostSpec[] {
  return [...new Set(services.map((svc) => svc.host))].map((name) => {
    const { url, sshOpts, certPath } = cfg.hosts[name] ?? {};
    return { name, ...(url ? { url } : {}), ...(url && sshOpts?.length ? { sshOpts } : {}), ...(url && certPath ? { certPath } : {}) };
  });
}
