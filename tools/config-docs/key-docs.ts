/** What each key of generation 2022-09 means (README's key table); the schema gives the keys and defaults. */

/** What a key means, with its compose / `.env` equivalent; `default` where the schema's is not the whole story. */
export interface KeyDoc {
  readonly meaning: string;
  readonly default?: string;
}

/** A healthcheck object is one row: its four fields are its default. */
const healthcheck = (what: string) => `healthcheck timing (\`interval\`, \`timeout\`, \`retries\`, \`startPeriod\`) of ${what}`;
const SWARM_REPLICAS = "Swarm copies of the";

/** Every key of the schema, in its order; an object listed here is one row (its fields are its default). */
export const KEY_DOCS: Readonly<Record<string, KeyDoc>> = {
  generation: {
    meaning:
      "which of upstream's topologies the stack follows: `2022-09` (this table) or `2026-06` (RQ workers on Redis, Triton, fasttext, Elasticsearch 8, postgres 16: docs/generation-2026-06.md)",
  },
  environment: { meaning: "`dev`, `staging` or `prod`; in dev, missing `postgresPassword`/`ipcAuthkey` are generated" },
  target: { meaning: '`containers`, or `swarm`: Docker Swarm services (see "Docker Swarm")' },
  hostRoot: { meaning: "absolute host folder that holds `datasets/`, `models/`, `tf_models/` (the compose project folder)" },
  networkName: { meaning: "name of the stack network" },
  containerPrefix: { meaning: "containers are named `<containerPrefix>-<service>` (`robotoff-api`)" },
  restartPolicy: { meaning: "restart policy of every container: `no`, `always`, `on-failure`, `unless-stopped` (`RESTART_POLICY`)" },
  restartMaxRetries: { meaning: "with `on-failure`: restarts before Docker gives up (1 to 100)" },
  hosts: {
    default: "`{local: {}}`",
    meaning:
      "Docker hosts by name: `<name>.url` (`ssh://user@host`, `tcp://host:port` with `<name>.certPath`, the folder of its TLS `ca.pem`, `cert.pem` and `key.pem`, or `unix:///path/docker.sock`; none for `local`, the provider's default), `<name>.address` (how the app reaches it; default: the url's host name) and `<name>.sshOpts` (options for the local `ssh` client that reaches an `ssh://` url)",
  },
  "app.host": {
    meaning:
      "the Docker host (a key of `hosts`) the app runs on, with postgres, Elasticsearch and the exporters (as compose runs them: the database is never published to another host)",
  },
  "app.image": { meaning: "app image repository" },
  "app.tag": { meaning: "app image tag (`TAG`); not used with `dev.enabled`, which builds the image instead" },
  "app.instance": { meaning: "`ROBOTOFF_INSTANCE` (`prod` for .org, `dev` for .net)" },
  "app.domain": { meaning: "`ROBOTOFF_DOMAIN`" },
  "app.scheme": { meaning: "`ROBOTOFF_SCHEME`: `http` or `https`" },
  "app.staticOffDomain": { meaning: "`STATIC_OFF_DOMAIN`" },
  "app.gunicornNumWorkers": { meaning: "`GUNICORN_NUM_WORKERS`" },
  "app.ipcPort": { meaning: "`IPC_PORT`" },
  "app.workerCount": { meaning: "`WORKER_COUNT`" },
  "app.updatedProductWait": { meaning: "`ROBOTOFF_UPDATED_PRODUCT_WAIT` (seconds)" },
  "app.offUser": { meaning: "`OFF_USER`" },
  "app.influxdb.host": { meaning: "`INFLUXDB_HOST` (empty string: passed empty, as in the dev `.env`)" },
  "app.influxdb.port": { meaning: "`INFLUXDB_PORT`" },
  "app.influxdb.dbName": { meaning: "`INFLUXDB_DB_NAME`" },
  "app.influxdb.username": { meaning: "`INFLUXDB_USERNAME`" },
  "app.networkQualifiedHosts": {
    meaning: "name data hosts `postgres.<network>` / `elasticsearch.<network>` (dev's `.env`) instead of `postgres` / `elasticsearch`",
  },
  "app.setTfServingHost": { meaning: "pass `TF_SERVING_HOST=tf_serving` (staging and prod); needs `tfServing.enabled`" },
  "app.env": { meaning: "more variables for api, workers and scheduler; a variable the stack sets itself is rejected, with the key that sets it" },
  "app.api.memory": { meaning: "api `mem_limit` (at least `512m`)" },
  "app.api.expose.http": { meaning: "api port 5500 on the host (`ROBOTOFF_EXPOSE`)" },
  "app.api.healthcheck": { meaning: healthcheck("the api: `/api/v1/health` with `python3`") },
  "app.api.release": {
    meaning:
      'how a release replaces the api (containers target): `replace`, one container removed then created (compose\'s way: the api is down meanwhile), or `rolling`, two copies (`<containerPrefix>-api-1`, `-2`) behind HAProxy (`api_proxy`, which then holds `app.api.expose.http`), replaced one after the other (see "Releases")',
  },
  "app.api.waitTimeout": {
    meaning: "`rolling`: how long each new copy may take to be healthy before the release stops, leaving the other copy serving",
    default: "the healthcheck's budget: `startPeriod + (interval + timeout) × (retries + 1)` (3m20s)",
  },
  "app.api.proxy.image": { meaning: "`rolling`: the HAProxy image in front of the copies" },
  "app.api.proxy.memory": { meaning: "`rolling`: HAProxy's `mem_limit` (at least `32m`)" },
  "app.workers.memory": { meaning: "workers `mem_limit` (at least `1g`)" },
  "app.workers.stopGrace": {
    meaning:
      "how long a stop (a release, `ops stop`) lets the workers run the jobs they queued before Docker kills them (compose's `stop_grace_period`; their queue is in memory, and what is left is lost)",
  },
  "app.scheduler.memory": { meaning: "scheduler `mem_limit` (at least `512m`)" },
  "postgres.image": { meaning: "postgres image (also run by `postgres_backup` and `tf_models`)" },
  "postgres.user": { meaning: "`POSTGRES_USER`, for postgres and the app" },
  "postgres.db": { meaning: "`POSTGRES_DB`, for postgres and the app" },
  "postgres.memory": { meaning: "postgres `mem_limit` (at least `256m`)" },
  "postgres.shmSize": { meaning: "postgres `shm_size` (at least `64m`)" },
  "postgres.settings": { meaning: "server settings, passed in order as `-c name=value`" },
  "postgres.expose.postgres": { meaning: "postgres port 5432 on the host (`POSTGRES_EXPOSE`); loopback or `null` only" },
  "postgres.healthcheck": { meaning: healthcheck("postgres: `pg_isready` over TCP with the configured user and db") },
  "postgres.waitTimeout": { meaning: "how long creating postgres may wait for it to be healthy" },
  "postgres.backup.enabled": { default: "dev `false`, else `true`", meaning: 'run `postgres_backup`, the scheduled database dump (see "Backups")' },
  "postgres.backup.at": { meaning: "daily dump time, UTC, `HH:MM`" },
  "postgres.backup.keep": { meaning: "dumps kept (1 to 1000); older ones are deleted after each new one" },
  "postgres.backup.dir": { default: "`<hostRoot>/backups`", meaning: "host folder of the dumps, on postgres' host (create it before the first deploy)" },
  "postgres.backup.memory": { meaning: "`postgres_backup`'s `mem_limit` (at least `64m`)" },
  "elasticsearch.image": { meaning: "Elasticsearch image" },
  "elasticsearch.memory": { meaning: "Elasticsearch `mem_limit` (at least twice the heap)" },
  "elasticsearch.heapSize": { meaning: "JVM heap, `ES_JAVA_OPTS=-Xms<size> -Xmx<size>` (at least `256m`)" },
  "elasticsearch.diskWatermarkHigh": { meaning: "`cluster.routing.allocation.disk.watermark.high`" },
  "elasticsearch.nofile": { meaning: "`nofile` ulimit (soft and hard; at least 65535)" },
  "elasticsearch.memoryLock": {
    meaning: "`bootstrap.memory_lock` and the unlimited `memlock` ulimit it needs: the one exception to the default limits, there to keep the heap out of swap",
  },
  "elasticsearch.healthcheck": { meaning: healthcheck("Elasticsearch: cluster health at least yellow, with `curl` inside the container") },
  "elasticsearch.waitTimeout": { meaning: "how long creating Elasticsearch may wait for it to be healthy" },
  "tfServing.host": { meaning: "the Docker host (a key of `hosts`) tf_serving runs on" },
  "tfServing.enabled": { meaning: "run tf_serving (`docker/ml.yml`)" },
  "tfServing.image": { meaning: "tf_serving image" },
  "tfServing.memory": { meaning: "tf_serving `mem_limit` (at least `1g`)" },
  "tfServing.modelsDir": {
    default: "`<hostRoot>/tf_models`",
    meaning: "host folder mounted at `/models` (must hold `models.config`, unless `tfServing.models` is set)",
  },
  "tfServing.expose.grpc": { meaning: "gRPC port 8500 on the host" },
  "tfServing.expose.rest": { meaning: "REST port 8501 on the host" },
  "tfServing.models": {
    meaning: 'models the stack puts in place: a list of `{name, url, sha256, version (1), platform (tensorflow)}` (see "tf_serving models")',
  },
  "tfServing.modelsTimeout": { meaning: "how long a deploy waits for `tf_models` to have every model in place" },
  "tfServing.allowRemoteAccess": { meaning: "let `tfServing.expose.*` bind beyond loopback (as `docker/ml.yml` did)" },
  "tfServing.healthcheck": { meaning: healthcheck("tf_serving: the REST port answers HTTP (bash `/dev/tcp`: the image has no curl)") },
  "tfServing.waitTimeout": { meaning: "how long creating tf_serving may wait for it to be healthy" },
  "monitoring.enabled": {
    default: "`false` (staging, prod: `true`)",
    meaning: "`docker/monitor.yml`: the statsd exporter, the postgres exporter, and the api under gunicorn sending statsd metrics",
  },
  "monitoring.statsd.image": { meaning: "statsd exporter image" },
  "monitoring.statsd.memory": { meaning: "statsd exporter memory limit (at least `32m`)" },
  "monitoring.statsd.expose.metrics": { meaning: "Prometheus metrics port 9102 on the host; loopback or `null` only" },
  "monitoring.postgresExporter.image": {
    meaning: "postgres exporter image (its `DATA_SOURCE_NAME` is built from `postgres.*` and `postgresPassword`, as a secret)",
  },
  "monitoring.postgresExporter.memory": { meaning: "postgres exporter memory limit (at least `32m`)" },
  "dev.enabled": {
    default: "`false` (dev: `true`)",
    meaning: "`docker/dev.yml`: build the app image from the Robotoff checkout at `hostRoot`, mount its sources, join Product Opener's network",
  },
  "dev.image": { meaning: "name of the built app image" },
  "dev.target": { meaning: "Dockerfile target" },
  "dev.offUid": { meaning: "`OFF_UID` build arg: your uid (`id -u`)" },
  "dev.offGid": { meaning: "`OFF_GID` build arg: your gid (`id -g`)" },
  "dev.pythonVersion": { meaning: "`PYTHON_VERSION` build arg" },
  "dev.productOpenerNetwork": { meaning: "`PO_LOCAL_NET`: Product Opener's network, looked up (never created or deleted); the app joins it too" },
  stopped: {
    meaning:
      'services kept stopped across deploys (`[scheduler]`): created, not started, and left stopped by a refresh (see "Maintenance"); on Swarm, zero replicas',
  },
  "volumes.postgresData.name": { meaning: "Docker name of the postgres data volume" },
  "volumes.postgresData.lifecycle": {
    default: "dev `managed`, else `external`",
    meaning:
      "`external`: read, never created or deleted (compose `external: true`; create it first with `docker volume create <name>`); `retained`: created by the stack, `protect`ed and kept on delete; `managed`: created and deleted with the stack (dev only)",
  },
  "volumes.esData.name": { meaning: "Docker name of the Elasticsearch data volume" },
  "volumes.esData.lifecycle": { default: "dev `managed`, else `external`", meaning: "as `volumes.postgresData.lifecycle`, for the Elasticsearch volume" },
  "swarm.replicas.api": { meaning: `${SWARM_REPLICAS} api` },
  "swarm.replicas.workers": { meaning: `${SWARM_REPLICAS} workers` },
  "swarm.replicas.scheduler": { meaning: "the scheduler runs once (two would run every job twice)" },
  "swarm.nodeLabels.postgres": { default: "required on swarm", meaning: "node label (`key=value`) of the node that holds postgres' data volume" },
  "swarm.nodeLabels.elasticsearch": { default: "required on swarm", meaning: "node label (`key=value`) of the node that holds Elasticsearch's data volume" },
  "swarm.nodeLabels.tfServing": { default: "required on swarm", meaning: "node label (`key=value`) of the node that holds tf_serving's models folder" },
  "swarm.publishMode": { meaning: "`ingress` (routing mesh, needs IPVS) or `host` (the task's node only)" },
  "swarm.endpointMode": { meaning: "`vip` (needs IPVS) or `dnsrr` (DNS round robin; needs host-mode ports)" },
  "swarm.apiUpdateOrder": { meaning: "the api's rolling update; start-first is refused with a host-mode api port" },
  "swarm.updateMonitor": { meaning: "how long each updated task is watched before the next; a failure rolls back" },
  "swarm.secretsVersion": { meaning: "suffix of the Docker secrets' names: bump it with any secret's new value" },
  postgresPassword: { meaning: "`POSTGRES_PASSWORD` (postgres and app); generated in dev when unset" },
  ipcAuthkey: { meaning: "`IPC_AUTHKEY`; generated in dev when unset" },
  mongoUri: { meaning: "`MONGO_URI`" },
  offPassword: { meaning: "`OFF_PASSWORD`" },
  influxdbPassword: { meaning: "`INFLUXDB_PASSWORD`" },
  sentryDsn: { meaning: "`SENTRY_DSN`" },
  slackToken: { meaning: "`SLACK_TOKEN`" },
};
