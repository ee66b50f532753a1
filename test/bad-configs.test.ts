/**
 * Bad stack configs, each read as the render reads a `--config-file` and planned as the program plans
 * it (tools/shared/stack-file.ts planStackFile, models/stack-plan.ts): every offending key named, and only
 * those. What the user then sees of it (exit 1, the message on stderr, no stack trace) is shown in
 * test/tools/render/render.test.ts, in a child process.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dump, load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { freshModules, PROJECT_DIR } from "./harness";

type Patch = Record<string, unknown>;
interface Case {
  readonly what: string;
  /** A shipped stack: generation 2026-06 (dev, prod) or 2022-09 (dev-2022, prod-2022). */
  readonly stack: "dev-2022" | "prod-2022" | "dev" | "prod";
  readonly patch: Patch;
  /** Every key the error names, and what it says of it: the operator's words, so each is spelt out. */
  readonly issues: Readonly<Record<string, string>>;
}

/** Docker Swarm, with every data service pinned to a node and the api released as Swarm does it (prod's release is rolling). */
const SWARM = {
  "robotoff:target": "swarm",
  "robotoff:swarm": { nodeLabels: { postgres: "robotoff.postgres=true", elasticsearch: "robotoff.es=true", tfServing: "robotoff.ml=true" } },
  "robotoff:app": { api: { release: "replace" } },
};

const CASES: readonly Case[] = [
  {
    what: "a number given as a string",
    stack: "dev-2022",
    patch: { "robotoff:app": { workerCount: "8" } },
    issues: { "robotoff:app.workerCount": 'expected a number, found "8"' },
  },
  {
    what: "a port out of range",
    stack: "dev-2022",
    patch: { "robotoff:app": { ipcPort: 0 } },
    issues: { "robotoff:app.ipcPort": "expected at least 1, found 0" },
  },
  {
    what: "an unknown restart policy",
    stack: "dev-2022",
    patch: { "robotoff:restartPolicy": "sometimes" },
    issues: { "robotoff:restartPolicy": 'expected one of "no", "always", "on-failure", "unless-stopped", found "sometimes"' },
  },
  {
    what: "no environment",
    stack: "dev-2022",
    patch: { "robotoff:environment": undefined },
    issues: { "robotoff:environment": 'expected one of "dev", "staging", "prod", found nothing' },
  },
  {
    what: "an unknown environment",
    stack: "dev-2022",
    patch: { "robotoff:environment": "qa" },
    issues: { "robotoff:environment": 'expected one of "dev", "staging", "prod", found "qa"' },
  },
  {
    what: "size 2gb",
    stack: "dev-2022",
    patch: { "robotoff:postgres": { memory: "2gb" } },
    issues: { "robotoff:postgres.memory": 'expected a compose size: a whole number followed by b, k, m or g (e.g. 512m, 2g), found "2gb"' },
  },
  {
    what: "size -1g",
    stack: "dev-2022",
    patch: { "robotoff:postgres": { memory: "-1g" } },
    issues: { "robotoff:postgres.memory": 'expected a compose size: a whole number followed by b, k, m or g (e.g. 512m, 2g), found "-1g"' },
  },
  {
    what: "size 0",
    stack: "dev-2022",
    patch: { "robotoff:postgres": { memory: "0" } },
    issues: { "robotoff:postgres.memory": 'expected a compose size: a whole number followed by b, k, m or g (e.g. 512m, 2g), found "0"' },
  },
  {
    what: "size 1.5g",
    stack: "dev-2022",
    patch: { "robotoff:postgres": { shmSize: "1.5g" } },
    issues: { "robotoff:postgres.shmSize": 'expected a compose size: a whole number followed by b, k, m or g (e.g. 512m, 2g), found "1.5g"' },
  },
  {
    what: "postgres below its minimum",
    stack: "dev-2022",
    patch: { "robotoff:postgres": { memory: "100m" } },
    issues: { "robotoff:postgres.memory": 'expected at least 256m (postgres needs room for shared_buffers and connections), found "100m"' },
  },
  {
    what: "api below its minimum",
    stack: "dev-2022",
    patch: { "robotoff:app": { api: { memory: "128m" } } },
    issues: { "robotoff:app.api.memory": 'expected at least 512m (Robotoff loads its models and data at start), found "128m"' },
  },
  {
    what: "Elasticsearch memory under twice its heap",
    stack: "dev-2022",
    patch: { "robotoff:elasticsearch": { memory: "1g", heapSize: "1g" } },
    issues: { "robotoff:elasticsearch.memory": 'expected at least twice elasticsearch.heapSize (1g): the JVM needs memory beside its heap, found "1g"' },
  },
  {
    what: "a size as a number",
    stack: "dev-2022",
    patch: { "robotoff:tfServing": { memory: 10 } },
    issues: { "robotoff:tfServing.memory": "expected a compose size like 6g or 6144m, found 10" },
  },
  {
    what: "a binding out of range",
    stack: "dev-2022",
    patch: { "robotoff:app": { api: { expose: { http: "127.0.0.1:70000" } } } },
    issues: { "robotoff:app.api.expose.http": 'expected a port from 1 to 65535, found "127.0.0.1:70000"' },
  },
  {
    what: "a binding to a host name",
    stack: "dev-2022",
    patch: { "robotoff:app": { api: { expose: { http: "localhost:5500" } } } },
    issues: { "robotoff:app.api.expose.http": 'expected an IPv4 address before the port, e.g. 127.0.0.1:5500, found "localhost:5500"' },
  },
  {
    what: "postgres published beyond loopback",
    stack: "dev-2022",
    patch: { "robotoff:postgres": { expose: { postgres: "5432" } } },
    issues: {
      "robotoff:postgres.expose.postgres": 'expected a loopback binding like 127.0.0.1:5432, or null; only the api is published beyond it, found "5432"',
    },
  },
  {
    what: "tf_serving beyond loopback without allowRemoteAccess",
    stack: "dev-2022",
    patch: { "robotoff:tfServing": { expose: { grpc: "8500" } } },
    issues: {
      "robotoff:tfServing.expose.grpc":
        'expected a loopback binding like 127.0.0.1:8500, or null; robotoff:tfServing.allowRemoteAccess allows more, found "8500"',
    },
  },
  {
    what: "two services on one host ip:port",
    stack: "dev-2022",
    patch: { "robotoff:app": { api: { expose: { http: "127.0.0.1:5432" } } } },
    issues: {
      "robotoff:postgres.expose.postgres":
        'expected a host address and port no other service publishes, found "127.0.0.1:5432", already published by robotoff:app.api.expose.http',
    },
  },
  {
    what: "a port on every interface that a loopback binding uses: the key the stack file sets is named, not the default (issue 26)",
    stack: "prod-2022",
    patch: { "robotoff:app": { api: { expose: { http: "8501" } } } },
    issues: {
      "robotoff:app.api.expose.http":
        'expected a host address and port no other service publishes, found "8501", already published by robotoff:tfServing.expose.rest',
    },
  },
  {
    what: "a port on every interface after a loopback binding of it",
    stack: "prod-2022",
    patch: {
      "robotoff:app": { api: { expose: { http: "127.0.0.1:8500" } } },
      "robotoff:tfServing": { allowRemoteAccess: true, expose: { grpc: "8500", rest: null } },
    },
    issues: {
      "robotoff:tfServing.expose.grpc":
        'expected a host address and port no other service publishes, found "8500", already published by robotoff:app.api.expose.http',
    },
  },
  {
    what: "0.0.0.0 written out, after a loopback binding of the same port (Docker refuses the pair)",
    stack: "prod-2022",
    patch: {
      "robotoff:app": { api: { expose: { http: "127.0.0.1:8500" } } },
      "robotoff:tfServing": { allowRemoteAccess: true, expose: { grpc: "0.0.0.0:8500", rest: null } },
    },
    issues: {
      "robotoff:tfServing.expose.grpc":
        'expected a host address and port no other service publishes, found "0.0.0.0:8500", already published by robotoff:app.api.expose.http',
    },
  },
  {
    what: "a misspelt top-level key",
    stack: "dev-2022",
    patch: { "robotoff:postgress": { memory: "4g" } },
    issues: { "robotoff:postgress": 'expected no such key (did you mean robotoff:postgres?), found "{\\"memory\\":\\"4g\\"}"' },
  },
  {
    what: "a misspelt nested key",
    stack: "dev-2022",
    patch: { "robotoff:postgres": { memroy: "4g" } },
    issues: { "robotoff:postgres.memroy": 'expected no such key (did you mean robotoff:postgres.memory?), found "4g"' },
  },
  {
    what: "an unknown nested key",
    stack: "dev-2022",
    patch: { "robotoff:app": { colour: "blue" } },
    issues: { "robotoff:app.colour": 'expected no such key, found "blue"' },
  },
  {
    what: "an empty host root",
    stack: "dev-2022",
    patch: { "robotoff:hostRoot": "" },
    issues: { "robotoff:hostRoot": 'expected an absolute, normalized host path like /srv/robotoff, found ""' },
  },
  {
    what: "a relative host root",
    stack: "dev-2022",
    patch: { "robotoff:hostRoot": "srv/robotoff" },
    issues: { "robotoff:hostRoot": 'expected an absolute, normalized host path like /srv/robotoff, found "srv/robotoff"' },
  },
  {
    what: "a host root with ..",
    stack: "dev-2022",
    patch: { "robotoff:hostRoot": "/srv/../etc" },
    issues: { "robotoff:hostRoot": 'expected an absolute, normalized host path like /srv/robotoff, found "/srv/../etc"' },
  },
  {
    what: "a relative models folder",
    stack: "dev-2022",
    patch: { "robotoff:tfServing": { modelsDir: "tf_models" } },
    issues: { "robotoff:tfServing.modelsDir": 'expected an absolute, normalized host path like /srv/robotoff, found "tf_models"' },
  },
  {
    what: "an image reference in capitals",
    stack: "dev-2022",
    patch: { "robotoff:postgres": { image: "Postgres:11" } },
    issues: { "robotoff:postgres.image": 'expected a Docker image reference like postgres:11.2-alpine, found "Postgres:11"' },
  },
  {
    what: "a tag inside the app repository",
    stack: "dev-2022",
    patch: { "robotoff:app": { image: "ghcr.io/openfoodfacts/robotoff:latest" } },
    issues: {
      "robotoff:app.image": 'expected an image repository without tag, like ghcr.io/openfoodfacts/robotoff, found "ghcr.io/openfoodfacts/robotoff:latest"',
    },
  },
  {
    what: "a bad app tag",
    stack: "dev-2022",
    patch: { "robotoff:app": { tag: "a/b" } },
    issues: { "robotoff:app.tag": 'expected an image tag like latest or sha-<commit>, found "a/b"' },
  },
  {
    what: "a missing secret in prod",
    stack: "prod-2022",
    patch: { "robotoff:postgresPassword": undefined },
    issues: { "robotoff:postgresPassword": "expected a secret (every secret is required in prod), found nothing" },
  },
  {
    what: "a token in clear in prod",
    stack: "prod-2022",
    patch: { "robotoff:slackToken": "xoxb-in-clear" },
    issues: { "robotoff:slackToken": "expected a secret value (set with --secret), found a plaintext value" },
  },
  {
    what: "a password in clear in dev",
    stack: "dev-2022",
    patch: { "robotoff:postgresPassword": "postgres" },
    issues: { "robotoff:postgresPassword": "expected a secret value (set with --secret), found a plaintext value" },
  },
  {
    what: "an override of a variable the stack sets",
    stack: "dev-2022",
    patch: { "robotoff:app": { env: { POSTGRES_HOST: "db" } } },
    issues: {
      "robotoff:app.env.POSTGRES_HOST":
        'expected a variable the stack does not set itself (POSTGRES_HOST comes from robotoff:app.networkQualifiedHosts), found "db"',
    },
  },
  {
    what: "an override of a secret variable",
    stack: "dev-2022",
    patch: { "robotoff:app": { env: { SENTRY_DSN: "https://x" } } },
    issues: {
      "robotoff:app.env.SENTRY_DSN": 'expected a variable the stack does not set itself (SENTRY_DSN comes from robotoff:sentryDsn), found "https://x"',
    },
  },
  {
    what: "an override of the workers' fixed variable",
    stack: "dev-2022",
    patch: { "robotoff:app": { env: { REAL_TIME_IMAGE_PREDICTION: "0" } } },
    issues: {
      "robotoff:app.env.REAL_TIME_IMAGE_PREDICTION":
        'expected a variable the stack does not set itself (REAL_TIME_IMAGE_PREDICTION comes from (fixed by docker-compose.yml for the workers)), found "0"',
    },
  },
  {
    what: "TF_SERVING_HOST without tf_serving",
    stack: "prod-2022",
    patch: { "robotoff:tfServing": { enabled: false } },
    issues: { "robotoff:app.setTfServingHost": "expected false while robotoff:tfServing.enabled is false, found true" },
  },
  {
    what: "a deletable data volume in prod",
    stack: "prod-2022",
    patch: { "robotoff:volumes": { postgresData: { lifecycle: "managed" } } },
    issues: {
      "robotoff:volumes.postgresData.lifecycle":
        'expected "external" or "retained" in prod (a managed volume is deleted with the stack, and its data with it), found "managed"',
    },
  },
  {
    what: "an unknown volume lifecycle",
    stack: "dev-2022",
    patch: { "robotoff:volumes": { esData: { lifecycle: "deleted" } } },
    issues: { "robotoff:volumes.esData.lifecycle": 'expected one of "external", "retained", "managed", found "deleted"' },
  },
  {
    what: "a network name with a space",
    stack: "dev-2022",
    patch: { "robotoff:networkName": "web net" },
    issues: { "robotoff:networkName": 'expected a Docker name: letters, digits, _ . and -, starting with a letter or digit, found "web net"' },
  },
  {
    what: "a string where an object goes",
    stack: "dev-2022",
    patch: { "robotoff:app": "hello" },
    issues: { "robotoff:app": 'expected an object, found "hello"' },
  },
  {
    what: "unbounded on-failure retries",
    stack: "dev-2022",
    patch: { "robotoff:restartMaxRetries": "0" },
    issues: { "robotoff:restartMaxRetries": 'expected at least 1, found "0"' },
  },
  {
    what: "too few open files for Elasticsearch",
    stack: "dev-2022",
    patch: { "robotoff:elasticsearch": { nofile: 1024 } },
    issues: { "robotoff:elasticsearch.nofile": "expected at least 65535, found 1024" },
  },
  {
    what: "statsd metrics beyond loopback",
    stack: "prod-2022",
    patch: { "robotoff:monitoring": { statsd: { expose: { metrics: "9102" } } } },
    issues: {
      "robotoff:monitoring.statsd.expose.metrics":
        'expected a loopback binding like 127.0.0.1:9102, or null; only the api is published beyond it, found "9102"',
    },
  },
  {
    what: "an exporter below its minimum memory",
    stack: "prod-2022",
    patch: { "robotoff:monitoring": { postgresExporter: { memory: "8m" } } },
    issues: { "robotoff:monitoring.postgresExporter.memory": 'expected at least 32m (the exporter\'s smallest footprint), found "8m"' },
  },
  {
    what: "a service on a host that is not declared",
    stack: "prod-2022",
    patch: { "robotoff:tfServing": { host: "gpu" } },
    issues: { "robotoff:tfServing.host": 'expected one of "local" (robotoff:hosts), found "gpu"' },
  },
  {
    what: "a remote host without an address",
    stack: "prod-2022",
    patch: { "robotoff:hosts": { ml: {} } },
    issues: { "robotoff:hosts.ml.url": "expected an ssh://user@host, tcp://host:port or unix:///path/to/docker.sock address, found nothing" },
  },
  {
    what: "a url on the local host",
    stack: "dev-2022",
    patch: { "robotoff:hosts": { local: { url: "ssh://me@here" } } },
    issues: { "robotoff:hosts.local.url": 'expected no url: local is the provider\'s default Docker host (DOCKER_HOST), found "ssh://me@here"' },
  },
  {
    what: "a malformed host url",
    stack: "dev-2022",
    patch: { "robotoff:hosts": { ml: { url: "http://ml" } } },
    issues: { "robotoff:hosts.ml.url": 'expected an ssh://user@host, tcp://host:port or unix:///path/to/docker.sock address, found "http://ml"' },
  },
  {
    what: "tf_serving on another host without ports beyond loopback",
    stack: "prod-2022",
    patch: { "robotoff:hosts": { ml: { url: "ssh://deploy@ml" } }, "robotoff:tfServing": { host: "ml" } },
    issues: {
      "robotoff:tfServing.host":
        'expected robotoff:app.host ("local"), or tf_serving ports published beyond loopback for the app to reach it from there, found "ml"',
    },
  },
  {
    what: "tf_serving on another host with its gRPC port published, its REST port not",
    stack: "prod-2022",
    patch: {
      "robotoff:hosts": { ml: { url: "ssh://deploy@ml" } },
      "robotoff:tfServing": { host: "ml", allowRemoteAccess: true, expose: { grpc: "8500", rest: null } },
    },
    issues: {
      "robotoff:tfServing.host":
        'expected robotoff:app.host ("local"), or tf_serving ports published beyond loopback for the app to reach it from there, found "ml"',
    },
  },
  {
    what: "tf_serving on another host, the app not told where (setTfServingHost false)",
    stack: "prod-2022",
    patch: { "robotoff:hosts": { ml: { url: "ssh://deploy@ml" } }, "robotoff:tfServing": { host: "ml" }, "robotoff:app": { setTfServingHost: false } },
    issues: {
      "robotoff:app.setTfServingHost":
        'expected true while tf_serving runs on another host (robotoff:tfServing.host "ml"): the app is told its address, found false',
    },
  },
  {
    what: "postgres on another host (a retired key: postgres runs with the app)",
    stack: "prod-2022",
    patch: { "robotoff:hosts": { db: { url: "tcp://db:2376", certPath: "/etc/docker-tls" } }, "robotoff:postgres": { host: "db" } },
    issues: {
      "robotoff:postgres.host":
        'expected no such key (postgres runs on robotoff:app.host, with the app: its port is never published to another host), found "db"',
    },
  },
  {
    what: "Elasticsearch on another host (a retired key: it runs with the app)",
    stack: "prod-2022",
    patch: { "robotoff:hosts": { search: { url: "tcp://search:2376", certPath: "/etc/docker-tls" } }, "robotoff:elasticsearch": { host: "search" } },
    issues: {
      "robotoff:elasticsearch.host":
        'expected no such key (Elasticsearch runs on robotoff:app.host, with the app: its port is never published to another host), found "search"',
    },
  },
  {
    what: "an unknown scheme",
    stack: "dev-2022",
    patch: { "robotoff:app": { scheme: "ftp" } },
    issues: { "robotoff:app.scheme": 'expected one of "http", "https", found "ftp"' },
  },
  {
    what: "a postgres setting name in capitals",
    stack: "dev-2022",
    patch: { "robotoff:postgres": { settings: { Work_Mem: "64MB" } } },
    issues: { "robotoff:postgres.settings.Work_Mem": 'expected a postgres setting name like shared_buffers, found "64MB"' },
  },
  {
    what: "a disk watermark without %",
    stack: "dev-2022",
    patch: { "robotoff:elasticsearch": { diskWatermarkHigh: "95" } },
    issues: { "robotoff:elasticsearch.diskWatermarkHigh": 'expected a percentage like 95%, found "95"' },
  },
  {
    what: "a model name with a space",
    stack: "dev-2022",
    patch: { "robotoff:tfServing": { models: [{ name: "my model", url: "https://x/m.tar.gz", sha256: "a".repeat(64) }] } },
    issues: { "robotoff:tfServing.models[0].name": 'expected a model name: lowercase letters, digits, _ . and -, found "my model"' },
  },
  {
    what: "two models of one name",
    stack: "dev-2022",
    patch: {
      "robotoff:tfServing": {
        models: [
          { name: "m", url: "https://x/m.tar.gz", sha256: "a".repeat(64) },
          { name: "m", url: "https://x/n.tar.gz", sha256: "b".repeat(64) },
        ],
      },
    },
    issues: {
      "robotoff:tfServing.models":
        'expected models with distinct names, found [{"name":"m","url":"https://x/m.tar.gz","sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},{"name":"m","url":"https://x/n.tar.gz","sha256":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}]',
    },
  },
  {
    what: "a host address with a port",
    stack: "prod-2022",
    patch: { "robotoff:hosts": { ml: { url: "ssh://deploy@ml", address: "10.0.0.5:22" } } },
    issues: { "robotoff:hosts.ml.address": 'expected a host name or IPv4 address like 10.0.0.5, found "10.0.0.5:22"' },
  },
  {
    what: "a host name in capitals",
    stack: "prod-2022",
    patch: { "robotoff:hosts": { ML: { url: "ssh://deploy@ml" } } },
    issues: { "robotoff:hosts.ML": 'expected a host name: lowercase letters, digits and -, starting with a letter, found {"url":"ssh://deploy@ml"}' },
  },
  {
    what: "a Python version with three parts",
    stack: "dev-2022",
    patch: { "robotoff:dev": { pythonVersion: "3.7.1" } },
    issues: { "robotoff:dev.pythonVersion": 'expected a Python version like 3.7, found "3.7.1"' },
  },
  {
    what: "a node label without a value",
    stack: "dev-2022",
    patch: { "robotoff:swarm": { nodeLabels: { postgres: "robotoff.postgres" } } },
    issues: { "robotoff:swarm.nodeLabels.postgres": 'expected a node label like robotoff.postgres=true, found "robotoff.postgres"' },
  },
  {
    what: "an environment variable name starting with a digit",
    stack: "dev-2022",
    patch: { "robotoff:app": { env: { "1X": "y" } } },
    issues: { "robotoff:app.env.1X": 'expected a variable name: letters, digits, _ and ., not starting with a digit, found "y"' },
  },
  {
    what: "swarm without the node label of postgres's data",
    stack: "prod-2022",
    patch: { ...SWARM, "robotoff:swarm": { nodeLabels: { elasticsearch: "robotoff.es=true", tfServing: "robotoff.ml=true" } } },
    issues: { "robotoff:swarm.nodeLabels.postgres": "expected the node label (key=value) of the node that holds postgres's data, found nothing" },
  },
  {
    what: "swarm with the api's copies behind HAProxy (prod's release, on the containers target)",
    stack: "prod-2022",
    patch: { ...SWARM, "robotoff:app": { api: { release: "rolling" } } },
    issues: {
      "robotoff:app.api.release": `expected "replace" on swarm (Swarm replaces the api's tasks one by one itself: robotoff:swarm.apiUpdateOrder), found "rolling"`,
    },
  },
  {
    what: "swarm with a service on another host",
    stack: "prod-2022",
    patch: {
      ...SWARM,
      "robotoff:hosts": { ml: { url: "ssh://deploy@ml" } },
      "robotoff:tfServing": { host: "ml", allowRemoteAccess: true, expose: { grpc: "8500", rest: "8501" } },
    },
    issues: { "robotoff:tfServing.host": 'expected "local" on swarm (the manager the stack talks to; robotoff:swarm.nodeLabels places services), found "ml"' },
  },
  {
    what: "swarm with the dev image build",
    stack: "dev-2022",
    patch: { ...SWARM },
    issues: { "robotoff:dev.enabled": "expected false on swarm (an image built on one host is on no other node), found true" },
  },
  {
    what: "swarm with a port bound to an address",
    stack: "prod-2022",
    patch: { ...SWARM, "robotoff:app": { api: { release: "replace", expose: { http: "10.0.0.5:5500" } } } },
    issues: { "robotoff:app.api.expose.http": 'expected a port without an address: Swarm publishes on every interface, found "10.0.0.5:5500"' },
  },
  {
    what: "swarm: ingress ports on a dnsrr service",
    stack: "prod-2022",
    patch: {
      ...SWARM,
      "robotoff:swarm": { ...SWARM["robotoff:swarm"], endpointMode: "dnsrr" },
      "robotoff:app": { api: { release: "replace", expose: { http: "5500" } } },
    },
    issues: {
      "robotoff:swarm.publishMode":
        'expected "host" with endpointMode dnsrr (Swarm refuses ingress ports on a dnsrr service; robotoff:app.api.expose.http publishes one), found "ingress"',
    },
  },
  {
    what: "swarm: start-first while the api holds a host-mode port",
    stack: "prod-2022",
    patch: {
      ...SWARM,
      "robotoff:swarm": { ...SWARM["robotoff:swarm"], publishMode: "host", apiUpdateOrder: "start-first" },
      "robotoff:app": { api: { release: "replace", expose: { http: "5500" } } },
    },
    issues: {
      "robotoff:swarm.apiUpdateOrder":
        'expected "stop-first" while the api publishes host-mode port "5500" (the new task cannot bind the port its old task holds on that node), or publishMode ingress, found "start-first"',
    },
  },
  {
    what: "the workers' stop grace without a unit",
    stack: "prod-2022",
    patch: { "robotoff:app": { workers: { stopGrace: "300" } } },
    issues: { "robotoff:app.workers.stopGrace": 'expected a duration in whole seconds like 30s, 1m30s or 2h, found "300"' },
  },
  {
    what: "a number above its maximum",
    stack: "dev-2022",
    patch: { "robotoff:app": { api: { healthcheck: { retries: 101 } } } },
    issues: { "robotoff:app.api.healthcheck.retries": "expected at most 100, found 101" },
  },
  {
    what: "a fraction where a whole number goes",
    stack: "dev-2022",
    patch: { "robotoff:app": { ipcPort: 66.5 } },
    issues: { "robotoff:app.ipcPort": "expected a whole number, found 66.5" },
  },
  {
    what: "tf_serving on a host whose address the app cannot tell",
    stack: "prod-2022",
    patch: {
      "robotoff:hosts": { ml: { url: "unix:///var/run/ml.sock" } },
      "robotoff:tfServing": { host: "ml", allowRemoteAccess: true, expose: { grpc: "8500", rest: "8501" } },
    },
    issues: { "robotoff:hosts.ml.address": "expected the address the app reaches ml at, found nothing" },
  },
  {
    what: "postgres shared memory below its minimum",
    stack: "dev-2022",
    patch: { "robotoff:postgres": { shmSize: "32m" } },
    issues: { "robotoff:postgres.shmSize": "expected at least 64m (Docker's default; postgres' parallel queries use it), found \"32m\"" },
  },
  {
    what: "workers below their minimum",
    stack: "dev-2022",
    patch: { "robotoff:app": { workers: { memory: "512m" } } },
    issues: { "robotoff:app.workers.memory": 'expected at least 1g (Robotoff loads its models and data at start), found "512m"' },
  },
  {
    what: "the scheduler below its minimum",
    stack: "dev-2022",
    patch: { "robotoff:app": { scheduler: { memory: "256m" } } },
    issues: { "robotoff:app.scheduler.memory": 'expected at least 512m (Robotoff loads its models and data at start), found "256m"' },
  },
  {
    what: "the backup below its minimum",
    stack: "dev-2022",
    patch: { "robotoff:postgres": { backup: { memory: "32m" } } },
    issues: { "robotoff:postgres.backup.memory": 'expected at least 64m (pg_dump\'s working memory), found "32m"' },
  },
  {
    what: "a backup time past midnight",
    stack: "dev-2022",
    patch: { "robotoff:postgres": { backup: { at: "24:00" } } },
    issues: { "robotoff:postgres.backup.at": 'expected a time of day in UTC like 03:00, found "24:00"' },
  },
  {
    what: "a backup time without its leading zero",
    stack: "dev-2022",
    patch: { "robotoff:postgres": { backup: { at: "3:00" } } },
    issues: { "robotoff:postgres.backup.at": 'expected a time of day in UTC like 03:00, found "3:00"' },
  },
  {
    what: "no backup kept",
    stack: "dev-2022",
    patch: { "robotoff:postgres": { backup: { keep: 0 } } },
    issues: { "robotoff:postgres.backup.keep": "expected at least 1, found 0" },
  },
  {
    what: "an Elasticsearch heap below its minimum",
    stack: "dev-2022",
    patch: { "robotoff:elasticsearch": { heapSize: "128m" } },
    issues: { "robotoff:elasticsearch.heapSize": 'expected at least 256m (Elasticsearch\'s smallest workable heap), found "128m"' },
  },
  {
    what: "Elasticsearch below its minimum",
    stack: "dev-2022",
    patch: { "robotoff:elasticsearch": { memory: "256m", heapSize: "256m" } },
    issues: { "robotoff:elasticsearch.memory": 'expected at least 512m (Elasticsearch needs twice its heap), found "256m"' },
  },
  {
    what: "tf_serving below its minimum",
    stack: "dev-2022",
    patch: { "robotoff:tfServing": { memory: "512m" } },
    issues: { "robotoff:tfServing.memory": 'expected at least 1g (TensorFlow Serving loads every model at start), found "512m"' },
  },
  {
    what: "the statsd exporter below its minimum",
    stack: "prod-2022",
    patch: { "robotoff:monitoring": { statsd: { memory: "16m" } } },
    issues: { "robotoff:monitoring.statsd.memory": 'expected at least 32m (the exporter\'s smallest footprint), found "16m"' },
  },
  {
    what: "a disk watermark with a bare fraction",
    stack: "dev-2022",
    patch: { "robotoff:elasticsearch": { diskWatermarkHigh: "95.%" } },
    issues: { "robotoff:elasticsearch.diskWatermarkHigh": 'expected a percentage like 95%, found "95.%"' },
  },
  {
    what: "a long key three letters off",
    stack: "dev-2022",
    patch: { "robotoff:elastcsrch": {} },
    issues: { "robotoff:elastcsrch": 'expected no such key (did you mean robotoff:elasticsearch?), found "{}"' },
  },
  {
    what: "a short key three letters off is not guessed",
    stack: "dev-2022",
    patch: { "robotoff:qqq": {} },
    issues: { "robotoff:qqq": 'expected no such key, found "{}"' },
  },
  {
    what: "an environment variable name with a dash",
    stack: "dev-2022",
    patch: { "robotoff:app": { env: { "A-B": "y" } } },
    issues: { "robotoff:app.env.A-B": 'expected a variable name: letters, digits, _ and ., not starting with a digit, found "y"' },
  },
  {
    what: "a postgres setting name with a dash",
    stack: "dev-2022",
    patch: { "robotoff:postgres": { settings: { "work-mem": "64MB" } } },
    issues: { "robotoff:postgres.settings.work-mem": 'expected a postgres setting name like shared_buffers, found "64MB"' },
  },
  {
    what: "a postgres setting name starting with a digit",
    stack: "dev-2022",
    patch: { "robotoff:postgres": { settings: { "1work": "64MB" } } },
    issues: { "robotoff:postgres.settings.1work": 'expected a postgres setting name like shared_buffers, found "64MB"' },
  },
  {
    what: "an empty postgres setting value",
    stack: "dev-2022",
    patch: { "robotoff:postgres": { settings: { work_mem: "" } } },
    issues: { "robotoff:postgres.settings.work_mem": 'expected a non-empty text, found ""' },
  },
  {
    what: "a backup time with text before it",
    stack: "dev-2022",
    patch: { "robotoff:postgres": { backup: { at: "x03:00" } } },
    issues: { "robotoff:postgres.backup.at": 'expected a time of day in UTC like 03:00, found "x03:00"' },
  },
  {
    what: "a backup time with text after it",
    stack: "dev-2022",
    patch: { "robotoff:postgres": { backup: { at: "03:00x" } } },
    issues: { "robotoff:postgres.backup.at": 'expected a time of day in UTC like 03:00, found "03:00x"' },
  },
  {
    what: "more than 1000 backups kept",
    stack: "dev-2022",
    patch: { "robotoff:postgres": { backup: { keep: 1001 } } },
    issues: { "robotoff:postgres.backup.keep": "expected at most 1000, found 1001" },
  },
  {
    what: "a disk watermark with text before it",
    stack: "dev-2022",
    patch: { "robotoff:elasticsearch": { diskWatermarkHigh: "x95%" } },
    issues: { "robotoff:elasticsearch.diskWatermarkHigh": 'expected a percentage like 95%, found "x95%"' },
  },
  {
    what: "a disk watermark with text after it",
    stack: "dev-2022",
    patch: { "robotoff:elasticsearch": { diskWatermarkHigh: "95%x" } },
    issues: { "robotoff:elasticsearch.diskWatermarkHigh": 'expected a percentage like 95%, found "95%x"' },
  },
  {
    what: "a model URL with text before it",
    stack: "dev-2022",
    patch: { "robotoff:tfServing": { models: [{ name: "m", url: "xhttps://x/m.tar.gz", sha256: "a".repeat(64) }] } },
    issues: { "robotoff:tfServing.models[0].url": 'expected an http(s) URL of a .tar.gz archive, found "xhttps://x/m.tar.gz"' },
  },
  {
    what: "a model URL with a space in it",
    stack: "dev-2022",
    patch: { "robotoff:tfServing": { models: [{ name: "m", url: "https://x/m.tar.gz x", sha256: "a".repeat(64) }] } },
    issues: { "robotoff:tfServing.models[0].url": 'expected an http(s) URL of a .tar.gz archive, found "https://x/m.tar.gz x"' },
  },
  {
    what: "a checksum with text before it",
    stack: "dev-2022",
    patch: { "robotoff:tfServing": { models: [{ name: "m", url: "https://x/m.tar.gz", sha256: "x" + "a".repeat(64) }] } },
    issues: {
      "robotoff:tfServing.models[0].sha256":
        'expected the archive\'s sha256, 64 lowercase hex digits, found "xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"',
    },
  },
  {
    what: "a checksum with text after it",
    stack: "dev-2022",
    patch: { "robotoff:tfServing": { models: [{ name: "m", url: "https://x/m.tar.gz", sha256: "a".repeat(64) + "x" }] } },
    issues: {
      "robotoff:tfServing.models[0].sha256":
        'expected the archive\'s sha256, 64 lowercase hex digits, found "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaax"',
    },
  },
  {
    what: "a host url with text before it",
    stack: "prod-2022",
    patch: { "robotoff:hosts": { ml: { url: "xssh://deploy@ml" } } },
    issues: { "robotoff:hosts.ml.url": 'expected an ssh://user@host, tcp://host:port or unix:///path/to/docker.sock address, found "xssh://deploy@ml"' },
  },
  {
    what: "a host url with a path",
    stack: "prod-2022",
    patch: { "robotoff:hosts": { ml: { url: "ssh://deploy@ml/x" } } },
    issues: { "robotoff:hosts.ml.url": 'expected an ssh://user@host, tcp://host:port or unix:///path/to/docker.sock address, found "ssh://deploy@ml/x"' },
  },
  {
    what: "a node label starting with a dash",
    stack: "dev-2022",
    patch: { "robotoff:swarm": { nodeLabels: { postgres: "-a=b" } } },
    issues: { "robotoff:swarm.nodeLabels.postgres": 'expected a node label like robotoff.postgres=true, found "-a=b"' },
  },
  {
    what: "a node label with two =",
    stack: "dev-2022",
    patch: { "robotoff:swarm": { nodeLabels: { postgres: "a=b=c" } } },
    issues: { "robotoff:swarm.nodeLabels.postgres": 'expected a node label like robotoff.postgres=true, found "a=b=c"' },
  },
  {
    what: "restart retries that are no number",
    stack: "dev-2022",
    patch: { "robotoff:restartMaxRetries": "abc" },
    issues: { "robotoff:restartMaxRetries": 'expected a number, found "abc"' },
  },
  {
    what: "restart retries with text after the number",
    stack: "dev-2022",
    patch: { "robotoff:restartMaxRetries": "3x" },
    issues: { "robotoff:restartMaxRetries": 'expected a number, found "3x"' },
  },
  {
    what: "a host name starting with a digit",
    stack: "prod-2022",
    patch: { "robotoff:hosts": { "1ml": { url: "ssh://deploy@ml" } } },
    issues: { "robotoff:hosts.1ml": 'expected a host name: lowercase letters, digits and -, starting with a letter, found {"url":"ssh://deploy@ml"}' },
  },
  {
    what: "a host name with an underscore",
    stack: "prod-2022",
    patch: { "robotoff:hosts": { ml_x: { url: "ssh://deploy@ml" } } },
    issues: { "robotoff:hosts.ml_x": 'expected a host name: lowercase letters, digits and -, starting with a letter, found {"url":"ssh://deploy@ml"}' },
  },
  {
    what: "zero replicas",
    stack: "dev-2022",
    patch: { "robotoff:swarm": { replicas: { api: 0 } } },
    issues: { "robotoff:swarm.replicas.api": "expected at least 1, found 0" },
  },
  {
    what: "a stopped service the stack does not run",
    stack: "dev-2022",
    patch: { "robotoff:stopped": ["statsd"] },
    issues: { "robotoff:stopped": 'expected services this stack runs (api, workers, scheduler, postgres, elasticsearch, tf_serving), found ["statsd"]' },
  },
  {
    what: "several problems at once",
    stack: "prod-2022",
    patch: { "robotoff:hostRoot": "x", "robotoff:postgres": { memory: "2gb" }, "robotoff:sentryDsn": undefined },
    issues: {
      "robotoff:sentryDsn": "expected a secret (every secret is required in prod), found nothing",
      "robotoff:hostRoot": 'expected an absolute, normalized host path like /srv/robotoff, found "x"',
      "robotoff:postgres.memory": 'expected a compose size: a whole number followed by b, k, m or g (e.g. 512m, 2g), found "2gb"',
    },
  },
  // Issue 26: the kinds that rendered silently or crashed.
  {
    what: "a host url whose port is no port (it used to crash the render with TypeError: Invalid URL)",
    stack: "prod-2022",
    patch: { "robotoff:hosts": { ml: { url: "ssh://deploy@ml.example.org:notaport" } }, "robotoff:tfServing": { host: "ml" } },
    issues: {
      "robotoff:hosts.ml.url":
        'expected an address with a port from 1 to 65535 after the host, like ssh://deploy@ml.openfoodfacts.org:22, not "ssh://deploy@ml.example.org:notaport", found "ssh://deploy@ml.example.org:notaport"',
    },
  },
  {
    what: "a host url whose port is out of range",
    stack: "prod-2022",
    patch: { "robotoff:hosts": { ml: { url: "ssh://deploy@ml.example.org:99999" } }, "robotoff:tfServing": { host: "ml" } },
    issues: {
      "robotoff:hosts.ml.url":
        'expected an address with a port from 1 to 65535 after the host, like ssh://deploy@ml.openfoodfacts.org:22, not "ssh://deploy@ml.example.org:99999", found "ssh://deploy@ml.example.org:99999"',
    },
  },
  {
    what: "a Docker host on plain TCP, without TLS certificates",
    stack: "prod-2022",
    patch: { "robotoff:hosts": { ml: { url: "tcp://ml.example.org:2375" } }, "robotoff:tfServing": { host: "ml" } },
    issues: {
      "robotoff:hosts.ml.url":
        'expected an ssh://user@host address (a tcp:// Engine without TLS is root on that host for anyone on its network), or a certPath beside the tcp:// url, found "tcp://ml.example.org:2375"',
    },
  },
  ...(
    [
      ["robotoff:hostRoot", { "robotoff:hostRoot": "/" }, "/", "a container would write to the whole tree"],
      [
        "robotoff:postgres.backup.dir",
        { "robotoff:postgres": { backup: { dir: "/var/run" } } },
        "/var/run",
        "/var/run is the host system's, and a container would write to it",
      ],
      ["robotoff:postgres.backup.dir", { "robotoff:postgres": { backup: { dir: "/" } } }, "/", "a container would write to the whole tree"],
      [
        "robotoff:tfServing.modelsDir",
        { "robotoff:tfServing": { modelsDir: "/etc/tf_models" } },
        "/etc/tf_models",
        "/etc is the host system's, and a container would write to it",
      ],
      [
        "robotoff:hostRoot",
        { "robotoff:hostRoot": "/var/lib/docker/volumes" },
        "/var/lib/docker/volumes",
        "/var/lib/docker is the host system's, and a container would write to it",
      ],
    ] as const
  ).map(([key, patch, path, why]) => ({
    what: `a host folder no container may mount read-write: ${key} ${path}`,
    stack: "prod-2022" as const,
    patch,
    issues: { [key]: `expected a folder of the stack's own, like /srv/robotoff, not ${path}: ${why}, found ${JSON.stringify(path)}` },
  })),
  {
    what: "a tf_serving model platform that would write a second model into models.config",
    stack: "prod-2022",
    patch: {
      "robotoff:tfServing": {
        models: [{ name: "m", url: "https://example.org/m.tar.gz", sha256: "a".repeat(64), platform: 'tensorflow" } config { name: "x" base_path: "/etc' }],
      },
    },
    issues: {
      "robotoff:tfServing.models[0].platform": `expected a TensorFlow Serving platform name like tensorflow, found ${JSON.stringify('tensorflow" } config { name: "x" base_path: "/etc')}`,
    },
  },
  {
    what: "the dev switch in prod (a locally built image with host sources mounted in)",
    stack: "prod-2022",
    patch: { "robotoff:dev": { enabled: true } },
    issues: {
      "robotoff:dev.enabled": "expected false outside dev (it runs an image built on this machine, with host sources mounted in, in prod), found true",
    },
  },
  // Generation (issue 25): one of two values; a key of the other generation named as such; worker counts.
  {
    what: "an unknown generation",
    stack: "dev-2022",
    patch: { "robotoff:generation": "2024-01" },
    issues: { "robotoff:generation": 'expected one of "2022-09", "2026-06", found "2024-01"' },
  },
  {
    what: "a one-off task kept stopped",
    stack: "prod",
    patch: { "robotoff:stopped": ["worker-3", "migrate-db"] },
    issues: {
      "robotoff:stopped":
        'expected services this stack runs (api, api_proxy, update-listener, worker-1, worker-2, worker-3, worker-4, worker-5, worker-6, worker-ml-1, worker-ml-2, scheduler, postgres, redis, elasticsearch, fasttext, statsd, postgres_exporter, postgres_backup); not migrate-db or init-elasticsearch, one-off tasks that run at their create and that the app waits for, found ["migrate-db"]',
    },
  },
  {
    what: "tfServing under generation 2026-06",
    stack: "prod",
    patch: { "robotoff:tfServing": { memory: "10g" } },
    issues: {
      "robotoff:tfServing": 'expected no such key in generation 2026-06 (a key of generation 2022-09; robotoff:generation is 2026-06), found {"memory":"10g"}',
    },
  },
  {
    what: "app.workerCount under generation 2026-06",
    stack: "dev",
    patch: { "robotoff:app": { workerCount: 8 } },
    issues: { "robotoff:app.workerCount": "expected no such key in generation 2026-06 (a key of generation 2022-09; robotoff:generation is 2026-06), found 8" },
  },
  {
    what: "the 2022-09 IPC secret under generation 2026-06",
    stack: "prod",
    patch: { "robotoff:ipcAuthkey": { secure: "v1:placeholder" } },
    issues: {
      "robotoff:ipcAuthkey":
        "expected no such key in generation 2026-06 (a key of generation 2022-09; robotoff:generation is 2026-06), found a value (not shown: secret)",
    },
  },
  {
    what: "redis under generation 2022-09",
    stack: "prod-2022",
    patch: { "robotoff:redis": { memory: "4g" } },
    issues: {
      "robotoff:redis": 'expected no such key in generation 2022-09 (a key of generation 2026-06; robotoff:generation is 2022-09), found {"memory":"4g"}',
    },
  },
  {
    what: "no workers",
    stack: "dev",
    patch: { "robotoff:app": { workers: { count: 0 } } },
    issues: { "robotoff:app.workers.count": "expected at least 1, found 0" },
  },
  {
    what: "a negative count of ML workers",
    stack: "dev",
    patch: { "robotoff:app": { mlWorkers: { count: -2 } } },
    issues: { "robotoff:app.mlWorkers.count": "expected at least 1, found -2" },
  },
  {
    what: "an absurd count of workers",
    stack: "prod",
    patch: { "robotoff:app": { workers: { count: 500 } } },
    issues: { "robotoff:app.workers.count": "expected at most 32, found 500" },
  },
  {
    what: "a fractional count of workers",
    stack: "prod",
    patch: { "robotoff:app": { workers: { count: 2.5 } } },
    issues: { "robotoff:app.workers.count": "expected a whole number, found 2.5" },
  },
  {
    what: "generation 2026-06 on swarm",
    stack: "prod",
    patch: { "robotoff:target": "swarm" },
    issues: {
      "robotoff:target": 'expected "containers": generation 2026-06 is not built for Swarm yet (robotoff:generation 2022-09 runs on swarm), found "swarm"',
    },
  },
  {
    what: "a remote Triton without its address",
    stack: "prod",
    patch: { "robotoff:triton": { uri: undefined } },
    issues: {
      "robotoff:triton.uri":
        "expected the remote Triton's gRPC address host:port (DEFAULT_TRITON_URI), like 10.3.0.101:5504, with triton.mode remote, found nothing",
    },
  },
  {
    what: "a Triton address beside the stack's own Triton",
    stack: "dev",
    patch: { "robotoff:triton": { uri: "10.3.0.101:5504" } },
    issues: {
      "robotoff:triton.uri":
        'expected nothing with triton.mode local (the app reaches the stack\'s own triton); or triton.mode remote, found "10.3.0.101:5504"',
    },
  },
  {
    what: "a Triton address that is not host:port",
    stack: "prod",
    patch: { "robotoff:triton": { uri: "grpc://10.3.0.101" } },
    issues: { "robotoff:triton.uri": 'expected a Triton gRPC address host:port like 10.3.0.101:5504, found "grpc://10.3.0.101"' },
  },
  {
    what: "Triton's ports beyond loopback without allowRemoteAccess",
    stack: "dev",
    patch: { "robotoff:triton": { expose: { grpc: "5504" } } },
    issues: {
      "robotoff:triton.expose.grpc": 'expected a loopback binding like 127.0.0.1:5504, or null; robotoff:triton.allowRemoteAccess allows more, found "5504"',
    },
  },
  {
    what: "redis on the port postgres publishes",
    stack: "dev",
    patch: { "robotoff:redis": { expose: { redis: "127.0.0.1:5501" } } },
    issues: {
      "robotoff:redis.expose.redis":
        'expected a host address and port no other service publishes, found "127.0.0.1:5501", already published by robotoff:postgres.expose.postgres',
    },
  },
  {
    what: "a variable of x-robotoff-base-env in app.env",
    stack: "dev",
    patch: { "robotoff:app": { env: { NUM_RQ_WORKERS: "3" } } },
    issues: {
      "robotoff:app.env.NUM_RQ_WORKERS": 'expected a variable the stack does not set itself (NUM_RQ_WORKERS comes from robotoff:app.workers.count), found "3"',
    },
  },
  {
    what: "the job queues' volume managed in prod",
    stack: "prod",
    patch: { "robotoff:volumes": { redisData: { lifecycle: "managed" } } },
    issues: {
      "robotoff:volumes.redisData.lifecycle":
        'expected "external" or "retained" in prod (a managed volume is deleted with the stack, and its data with it), found "managed"',
    },
  },
  {
    what: "the dev image in prod, generation 2026-06",
    stack: "prod",
    patch: { "robotoff:dev": { enabled: true } },
    issues: {
      "robotoff:dev.enabled": "expected false outside dev (it runs an image built on this machine, with host sources mounted in, in prod), found true",
    },
  },
];

function merge(base: any, patch: any): any {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  if (typeof base !== "object" || base === null || "secure" in base) base = {};
  const out = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete out[k];
    else out[k] = merge(out[k], v);
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), "robotoff-bad-"));

// The schema is built when models/config.ts is evaluated: evaluated afresh here, a mutation run's mutant is in it.
const m = freshModules(async () => ({ ...(await import("../tools/shared/stack-file")), ...(await import("../models/config-error")) }));

const stackFileFor = (config: unknown) => {
  const file = join(dir, `ok-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, dump({ config }));
  return file;
};

/** The message the program fails with for a stack file's config: the text the render prints on stderr. */
function errorFor(stack: string, config: unknown, name: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, dump({ config }));
  try {
    m.planStackFile(PROJECT_DIR, stack, file);
  } catch (err) {
    if (err instanceof m.ConfigError) return err.message;
    throw err;
  }
  throw new Error(`${name}: the config was accepted`);
}

const shipped = (stack: string) => (load(readFileSync(join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")) as any).config;

describe("bad configs are rejected before anything is registered", () => {
  it.each(CASES.map((c, i) => [c.what, c, i] as const))("%s", (_, c, i) => {
    const message = errorFor(c.stack, merge(shipped(c.stack), c.patch), `case-${i}`);
    const count = Object.keys(c.issues).length;
    expect(message.split("\n")[0]).toBe(
      `Invalid config for stack ${c.stack}, read from ${join(dir, `case-${i}.yaml`)} (${count === 1 ? "1 problem" : `${count} problems`}):`,
    );
    // Only the named keys are reported: a valid key is never blamed.
    const reported = Object.fromEntries([...message.matchAll(/^ {2}(robotoff:\S+): (expected .*)$/gm)].map((m) => [m[1], m[2]]));
    expect(reported).toEqual(c.issues);
  });
});

describe("fix lines for a value that is an object or a list: --path per leaf, as the CLI takes it (issue 26)", () => {
  const fixes = (stack: "dev-2022" | "prod-2022", patch: Patch, name: string) =>
    errorFor(stack, merge(shipped(stack), patch), name)
      .split("\n")
      .filter((l) => /^ {4}(fix|then): /.test(l))
      .map((l) => l.trim().replace(/ --stack .*$/, ""));
  it("a list of models: each leaf without a default of its first item, in the [0] form", () => {
    const models = [
      { name: "m", url: "https://x/m.tar.gz", sha256: "a".repeat(64) },
      { name: "m", url: "https://x/n.tar.gz", sha256: "b".repeat(64) },
    ];
    expect(fixes("dev-2022", { "robotoff:tfServing": { models } }, "fix-models")).toEqual([
      "fix: pulumi config set --path 'robotoff:tfServing.models[0].name' <value>",
      "then: pulumi config set --path 'robotoff:tfServing.models[0].url' <value>",
      "then: pulumi config set --path 'robotoff:tfServing.models[0].sha256' <value>",
    ]);
  });
  it("text where an object goes: removed first (the CLI sets no path inside text), then a leaf; a host's leaf is its url", () => {
    expect(fixes("prod-2022", { "robotoff:hosts": { ml: "deploy@ml" } }, "fix-host")).toEqual([
      "fix: pulumi config rm --path 'robotoff:hosts.ml'",
      "then: pulumi config set --path 'robotoff:hosts.ml.url' <value>",
    ]);
    expect(fixes("dev-2022", { "robotoff:postgres": { backup: "daily" } }, "fix-backup")).toEqual([
      "fix: pulumi config rm --path 'robotoff:postgres.backup'",
      "then: pulumi config set --path 'robotoff:postgres.backup.enabled' <value>",
    ]);
  });
  it("a plain value keeps its one set line", () => {
    expect(fixes("dev-2022", { "robotoff:postgres": { memory: "lots" } }, "fix-plain")).toEqual([
      "fix: pulumi config set --path 'robotoff:postgres.memory' <value>",
    ]);
  });
});

describe("a key of a namespace one typo away from robotoff (issue 26)", () => {
  it("is refused, naming the key meant and how to move it, where it used to be ignored", () => {
    const message = errorFor("prod-2022", { ...shipped("prod-2022"), "robotof:restartPolicy": "always" }, "namespace-typo");
    expect(message).toContain('  robotof:restartPolicy: expected a key of robotoff: (did you mean robotoff:restartPolicy?), found "always"');
    expect(message).toContain("    fix: pulumi config rm 'robotof:restartPolicy' --stack prod-2022");
    expect(message).toContain("    then: pulumi config set 'robotoff:restartPolicy' 'always' --stack prod-2022");
  });
  it("leaves other namespaces alone (the provider's, pulumi's)", () => {
    expect(() =>
      m.planStackFile(PROJECT_DIR, "prod-2022", stackFileFor({ ...shipped("prod-2022"), "docker:host": "unix:///var/run/docker.sock" })),
    ).not.toThrow();
  });
});

describe("a prod stack without its secrets", () => {
  it("names each missing secret with the command that sets it", () => {
    const message = errorFor("prod-2022", { "robotoff:environment": "prod", "robotoff:hostRoot": "/srv/robotoff" }, "no-secrets");
    for (const key of ["postgresPassword", "ipcAuthkey", "mongoUri", "offPassword", "influxdbPassword", "sentryDsn", "slackToken"]) {
      expect(message).toContain(`pulumi config set --secret 'robotoff:${key}' <value> --stack prod-2022`);
    }
  });
});

describe("a generation 2026-06 prod stack without the Elasticsearch password", () => {
  it("fails before anything is touched, naming robotoff:elasticPassword and the command that sets it", () => {
    const { "robotoff:elasticPassword": _, ...rest } = shipped("prod");
    const message = errorFor("prod", rest, "no-elastic-password");
    expect(message).toContain("  robotoff:elasticPassword: expected a secret (every secret is required in prod), found nothing");
    expect(message).toContain("pulumi config set --secret 'robotoff:elasticPassword' <value> --stack prod");
    expect(message).not.toContain("ipcAuthkey");
  });
});

describe("values at the edge are accepted", () => {
  it.each([
    [
      "sizes at their minimum, Elasticsearch at exactly twice its heap",
      { "robotoff:postgres": { memory: "256m", shmSize: "64m" }, "robotoff:elasticsearch": { memory: "512m", heapSize: "256m" } },
    ],
    [
      "ports 1 and 65535, 100 retries, workers at their minimum",
      { "robotoff:app": { ipcPort: 65535, api: { expose: { http: "127.0.0.1:1" }, healthcheck: { retries: 100 } }, workers: { memory: "1g" } } },
    ],
    ["a backup at 23:59, keeping 1000", { "robotoff:postgres": { backup: { at: "23:59", keep: 1000 } } }],
    ["a fractional disk watermark, two places", { "robotoff:elasticsearch": { diskWatermarkHigh: "92.25%" } }],
    ["a three-digit disk watermark", { "robotoff:elasticsearch": { diskWatermarkHigh: "100%" } }],
    [
      "a backup at 13:00 and at 03:00, the default written out",
      { "robotoff:postgres": { backup: { at: "13:00" } }, "robotoff:swarm": { publishMode: "ingress" } },
    ],
    ["the default backup time written out", { "robotoff:postgres": { backup: { at: "03:00" } } }],
    [
      "a postgres user and database of several letters, settings as text or numbers",
      { "robotoff:postgres": { user: "robotoff", db: "robotoff", settings: { work_mem: "64MB", max_connections: 100 } } },
    ],
    ["an environment variable with a dot and digits", { "robotoff:app": { env: { "A.b_2": "y" } } }],
    ["a two-digit Python version", { "robotoff:dev": { pythonVersion: "3.10", target: "runtime-dev" } }],
    ["a host address", { "robotoff:hosts": { ml: { url: "ssh://deploy@ml", address: "10.0.0.5" } } }],
    [
      "tf_serving off, its host key left on another host",
      { "robotoff:hosts": { ml: { url: "ssh://deploy@ml" } }, "robotoff:tfServing": { enabled: false, host: "ml" } },
    ],
    ["Swarm's defaults written out, and a second secrets version", { "robotoff:swarm": { endpointMode: "vip", publishMode: "ingress", secretsVersion: 2 } }],
    [
      "the same port published on two hosts",
      {
        "robotoff:hosts": { ml: { url: "ssh://deploy@ml" } },
        "robotoff:tfServing": { host: "ml", allowRemoteAccess: true, expose: { grpc: "5500", rest: "8501" } },
        "robotoff:app": { setTfServingHost: true, api: { expose: { http: "5500" } } },
      },
    ],
    [
      "swarm with tf_serving off, dnsrr and ingress, the api publishing no port",
      {
        ...SWARM,
        "robotoff:dev": { enabled: false },
        "robotoff:swarm": { ...SWARM["robotoff:swarm"], endpointMode: "dnsrr", publishMode: "ingress" },
        "robotoff:app": { api: { expose: { http: null } } },
        "robotoff:tfServing": { enabled: false },
      },
    ],
    [
      "swarm with endpointMode dnsrr and a port in host mode, the api stopped first",
      {
        ...SWARM,
        "robotoff:dev": { enabled: false },
        "robotoff:swarm": { ...SWARM["robotoff:swarm"], endpointMode: "dnsrr", publishMode: "host", apiUpdateOrder: "stop-first" },
        "robotoff:app": { api: { expose: { http: "5500" } } },
        "robotoff:tfServing": { expose: { grpc: null, rest: null } },
      },
    ],
    [
      "tf_serving on another host, both its ports published beyond loopback",
      {
        "robotoff:app": { setTfServingHost: true },
        "robotoff:hosts": { ml: { url: "ssh://deploy@ml" } },
        "robotoff:tfServing": { host: "ml", allowRemoteAccess: true, expose: { grpc: "8500", rest: "8501" } },
      },
    ],
    [
      "swarm with endpointMode dnsrr and ingress, publishing no port",
      {
        ...SWARM,
        "robotoff:dev": { enabled: false },
        "robotoff:swarm": { ...SWARM["robotoff:swarm"], endpointMode: "dnsrr", publishMode: "ingress" },
        "robotoff:app": { api: { expose: { http: null } } },
        "robotoff:tfServing": { expose: { grpc: null, rest: null } },
      },
    ],
    [
      "a model with a platform",
      { "robotoff:tfServing": { models: [{ name: "m", url: "https://x/m.tar.gz", sha256: "a".repeat(64), platform: "tensorflow" }] } },
    ],
  ])("%s", (_, patch) => {
    expect(() => errorFor("dev-2022", merge(shipped("dev-2022"), patch), "edge")).toThrow("edge: the config was accepted");
  });
});
