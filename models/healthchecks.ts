/**
 * Healthchecks that run with what each image ships (checked against the images' Dockerfiles):
 * postgres:11.2-alpine has pg_isready; the Elasticsearch image (official base) has curl;
 * tensorflow/serving:2.4.0 is ubuntu:18.04 with bash and no HTTP client; the Robotoff image is
 * python:3.7-slim.
 */
import { addressOnHost } from "./ports";
import type { Healthcheck, StackSpec } from "./spec";

/** Robotoff's health endpoint. */
export const API_HEALTH_PATH = "/api/v1/health";

/** robotoff:<service>.healthcheck, parsed: durations in seconds. */
export interface HealthcheckTiming {
  readonly interval: number;
  readonly timeout: number;
  readonly retries: number;
  readonly startPeriod: number;
}

function healthcheck(command: string[], timing: HealthcheckTiming): Healthcheck {
  return {
    command,
    intervalSeconds: timing.interval,
    timeoutSeconds: timing.timeout,
    retries: timing.retries,
    startPeriodSeconds: timing.startPeriod,
  };
}

/**
 * The longest a healthcheck can take to give its verdict on a new container: its start period, then a
 * check per retry and one more, each waiting its interval and its timeout.
 */
export const healthBudgetSeconds = (h: Healthcheck): number => h.startPeriodSeconds + (h.intervalSeconds + h.timeoutSeconds) * (h.retries + 1);

/** Over TCP: the image's first-run initdb serves on its Unix socket only, and must not count. */
export const postgresHealthcheck = (user: string, db: string, port: number, timing: HealthcheckTiming) =>
  healthcheck(["pg_isready", "-h", "127.0.0.1", "-p", String(port), "-U", user, "-d", db], timing);

/** Healthy once the single-node cluster is at least yellow (every primary shard allocated). */
export const elasticsearchHealthcheck = (timing: HealthcheckTiming) =>
  healthcheck(["curl", "-fsS", "http://127.0.0.1:9200/_cluster/health?wait_for_status=yellow&timeout=1s"], timing);

/** Healthy once the REST port answers HTTP, with bash's /dev/tcp: the image has no curl or wget. */
export const tfServingHealthcheck = (restPort: number, timing: HealthcheckTiming) =>
  healthcheck(
    [
      "bash",
      "-c",
      `exec 3<>/dev/tcp/127.0.0.1/${restPort} && printf 'GET /v1/models HTTP/1.0\\r\\n\\r\\n' >&3 && read -r status <&3 && [[ $status == HTTP/1.* ]]`,
    ],
    timing,
  );

/** `redis-cli ping` answers PONG once the data set is loaded (LOADING before that, with exit code 0: hence the comparison). */
export const redisHealthcheck = (timing: HealthcheckTiming) => healthcheck(["sh", "-c", '[ "$(redis-cli ping)" = PONG ]'], timing);

/**
 * Elasticsearch 8 refuses a request without credentials: the built-in elastic user, with the password the container
 * was given (ELASTIC_PASSWORD, read inside the container: it never appears in the healthcheck's command line).
 */
export const elasticsearch8Healthcheck = (timing: HealthcheckTiming) =>
  healthcheck(["sh", "-c", 'curl -fsS -u "elastic:$ELASTIC_PASSWORD" "http://127.0.0.1:9200/_cluster/health?wait_for_status=yellow&timeout=1s"'], timing);

/** A status line of 200 from `request` sent over bash's /dev/tcp (images with bash and no HTTP client). */
const bashHttp200 = (port: number, request: string) =>
  `exec 3<>/dev/tcp/127.0.0.1/${port} && printf '${request}' >&3 && read -r status <&3 && [[ $status == HTTP/1.?' 200'* ]]`;

/**
 * messense/fasttext-serving is ubuntu:20.04 with bash and no HTTP client; it binds its port once the model is loaded,
 * and answers an empty batch with 200.
 */
export const fasttextHealthcheck = (port: number, timing: HealthcheckTiming) =>
  healthcheck(["bash", "-c", bashHttp200(port, "POST /predict HTTP/1.0\\r\\nContent-Length: 2\\r\\n\\r\\n[]")], timing);

/** Triton's readiness endpoint: 200 once every model it was told to load is loaded (the image is Ubuntu, with bash). */
export const tritonHealthcheck = (httpPort: number, timing: HealthcheckTiming) =>
  healthcheck(["bash", "-c", bashHttp200(httpPort, "GET /v2/health/ready HTTP/1.0\\r\\n\\r\\n")], timing);

/** Robotoff's own health endpoint; urlopen raises (exit 1) on an error status or no answer. */
export const apiHealthcheck = (port: number, timing: HealthcheckTiming) =>
  healthcheck(
    [
      "python3",
      "-c",
      `import urllib.request; urllib.request.urlopen('http://127.0.0.1:${port}${API_HEALTH_PATH}', timeout=${Math.max(1, timing.timeout - 1)})`,
    ],
    timing,
  );

/** The statsd exporter's image is busybox-based: its wget fetches the metrics page. */
export const statsdHealthcheck = (metricsPort: number) =>
  healthcheck(["wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${metricsPort}/metrics`], {
    interval: 10,
    timeout: 5,
    retries: 3,
    startPeriod: 10,
  });

/** The config key of the api's published port, whichever service holds it (the api, or the proxy in front of its copies). */
export const API_PORT_KEY = "app.api.expose.http";

/**
 * The api's health URL on its Docker host, at the address its port is published on (loopback for every
 * interface); undefined when the api publishes no port. The stack output and livecheck both use it.
 */
export function apiHealthUrl(spec: StackSpec): string | undefined {
  const port = spec.services.flatMap((s) => s.ports).find((p) => p.configKey === API_PORT_KEY);
  return port && `http://${addressOnHost(port)}:${port.port}${API_HEALTH_PATH}`;
}
