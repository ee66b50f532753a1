/**
 * One stand-in image per image key of the stack (plus `probe`): what each real image's Dockerfile sets
 * (user, workdir, environment, entrypoint, command, stop signal), over files from roles/<role>/rootfs/.
 */
import { STAND_IN_PATH } from "./base";

export const STAND_IN_ROLES = [
  "robotoff",
  "postgres",
  "elasticsearch",
  "tf-serving",
  "statsd-exporter",
  "postgres-exporter",
  "haproxy",
  "redis",
  "fasttext",
  "triton",
  "probe",
] as const;
export type StandInRole = (typeof STAND_IN_ROLES)[number];

export interface RoleImage {
  /** What the stand-in imitates, for the image's description label. */
  readonly imitates: string;
  /** A RUN step (users and folders the real image has); none where COPY is enough. */
  readonly run?: string;
  readonly env?: Record<string, string>;
  readonly user?: string;
  readonly workdir?: string;
  /** JSON (exec) form, or a string for the shell form. */
  readonly entrypoint?: readonly string[] | string;
  readonly cmd?: readonly string[];
  readonly stopSignal?: string;
  readonly expose?: readonly string[];
  readonly volumes?: readonly string[];
}

/** Python servers: no bytecode files (read-only roots), unbuffered logs. */
const PYTHON = { PYTHONDONTWRITEBYTECODE: "1", PYTHONUNBUFFERED: "1" };

export const ROLE_IMAGES: Record<StandInRole, RoleImage> = {
  robotoff: {
    imitates: "ghcr.io/openfoodfacts/robotoff (2022: python:3.7-slim, poetry, gunicorn; 2026: python -m robotoff, RQ)",
    // `python`, as python:3.11-slim has it (2026's commands are `python -m robotoff ...`).
    run: "groupadd -g 1000 off && useradd -u 1000 -g off -m off && chown -R off:off /opt/robotoff && ln -s /usr/bin/python3 /opt/pysetup/.venv/bin/python",
    env: { ...PYTHON, PATH: `/opt/poetry/bin:/opt/pysetup/.venv/bin:${STAND_IN_PATH}` },
    user: "off",
    workdir: "/opt/robotoff",
    // Upstream's shell form re-splits the command's words with `$0 $@` (its default CMD relies on it);
    // upstream lacks the `exec`, so its PID 1 is sh, which ignores SIGTERM: see README.
    entrypoint: "exec /docker-entrypoint.sh $0 $@",
    cmd: ["gunicorn", "--config /opt/robotoff/gunicorn.py", "--log-file=-", "robotoff.app.api:api"],
  },
  postgres: {
    imitates: "postgres:11.2-alpine (official image; the server here is Debian's PostgreSQL 15)",
    run: "mkdir -p /docker-entrypoint-initdb.d /var/lib/postgresql/data && chown postgres:postgres /var/lib/postgresql/data",
    env: { PGDATA: "/var/lib/postgresql/data" },
    entrypoint: ["docker-entrypoint.sh"],
    cmd: ["postgres"],
    stopSignal: "SIGINT",
    expose: ["5432"],
    volumes: ["/var/lib/postgresql/data"],
  },
  elasticsearch: {
    imitates: "raphael0202/elasticsearch (official Elasticsearch image layout, uid 1000)",
    run: "useradd -u 1000 -g 0 -d /usr/share/elasticsearch elasticsearch && mkdir -p /usr/share/elasticsearch/data /usr/share/elasticsearch/logs && chown -R 1000:0 /usr/share/elasticsearch",
    env: PYTHON,
    user: "1000:0",
    workdir: "/usr/share/elasticsearch",
    entrypoint: ["/usr/local/bin/docker-entrypoint.sh"],
    cmd: ["eswrapper"],
    expose: ["9200", "9300"],
  },
  "tf-serving": {
    imitates: "tensorflow/serving:2.4.0 (ubuntu:18.04, bash, no HTTP client)",
    env: { ...PYTHON, MODEL_BASE_PATH: "/models", MODEL_NAME: "model" },
    entrypoint: ["/usr/bin/tf_serving_entrypoint.sh"],
    expose: ["8500", "8501"],
  },
  "statsd-exporter": {
    imitates: "prom/statsd-exporter (busybox base, user nobody)",
    env: PYTHON,
    user: "nobody",
    entrypoint: ["/bin/statsd_exporter"],
    expose: ["9102", "9125", "9125/udp"],
  },
  "postgres-exporter": {
    imitates: "prometheuscommunity/postgres-exporter (busybox base, user nobody)",
    env: PYTHON,
    user: "nobody",
    entrypoint: ["/bin/postgres_exporter"],
    expose: ["9187"],
  },
  haproxy: {
    imitates: "haproxy:2.6 (official image, Debian-based; the server here is Debian's real HAProxy 2.6)",
    run: "mkdir -p /usr/local/etc/haproxy /var/lib/haproxy && chown haproxy:haproxy /var/lib/haproxy",
    user: "haproxy",
    workdir: "/var/lib/haproxy",
    entrypoint: ["docker-entrypoint.sh"],
    cmd: ["haproxy", "-f", "/usr/local/etc/haproxy/haproxy.cfg"],
    // The official image's: a soft stop, which finishes the connections it holds.
    stopSignal: "SIGUSR1",
  },
  redis: {
    imitates: "redis:7.0.5-alpine (official image; the server here is Debian's real Redis 7.0)",
    run: "mkdir -p /data && chown redis:redis /data",
    workdir: "/data",
    entrypoint: ["docker-entrypoint.sh"],
    cmd: ["redis-server"],
    expose: ["6379"],
    volumes: ["/data"],
  },
  fasttext: {
    imitates: "messense/fasttext-serving (ubuntu:20.04, bash, no HTTP client)",
    env: PYTHON,
    entrypoint: ["/usr/bin/fasttext-serving"],
  },
  triton: {
    imitates: "nvcr.io/nvidia/tritonserver (Ubuntu, bash; tritonserver on PATH)",
    env: { ...PYTHON, PATH: `/opt/tritonserver/bin:${STAND_IN_PATH}` },
    expose: ["8000", "8001", "8002"],
  },
  probe: {
    imitates: "busybox (sh, wget, cat, test, true)",
    cmd: ["sh"],
  },
};

const json = (words: readonly string[]) => JSON.stringify(words);

/** The role's Dockerfile over the base image; roles/<role>/rootfs is the build context's `rootfs/`. */
export function dockerfile(role: StandInRole, base: string, label: string, hasFiles: boolean): string {
  const spec = ROLE_IMAGES[role];
  const lines = [`FROM ${base}`, `COPY common/ /usr/local/lib/robotoff-stand-in/`];
  if (hasFiles) lines.push("COPY rootfs/ /");
  if (spec.run) lines.push(`RUN ${spec.run}`);
  for (const [name, value] of Object.entries(spec.env ?? {})) lines.push(`ENV ${name}=${JSON.stringify(value)}`);
  if (spec.workdir) lines.push(`WORKDIR ${spec.workdir}`);
  if (spec.user) lines.push(`USER ${spec.user}`);
  for (const port of spec.expose ?? []) lines.push(`EXPOSE ${port}`);
  if (spec.volumes?.length) lines.push(`VOLUME ${json(spec.volumes)}`);
  if (spec.stopSignal) lines.push(`STOPSIGNAL ${spec.stopSignal}`);
  if (spec.entrypoint) lines.push(`ENTRYPOINT ${typeof spec.entrypoint === "string" ? spec.entrypoint : json(spec.entrypoint)}`);
  if (spec.cmd) lines.push(`CMD ${json(spec.cmd)}`);
  lines.push(`LABEL ${label}=1 ${label}.role=${role} ${label}.imitates=${JSON.stringify(spec.imitates)}`);
  return lines.join("\n") + "\n";
}
