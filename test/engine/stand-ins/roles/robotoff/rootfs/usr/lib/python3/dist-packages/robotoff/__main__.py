"""Stand-in for Robotoff 1.85's command line, as docker-compose.yml runs it.

run-worker Q...: a real RQ worker (Debian's python3-rq) on REDIS_HOST:6379 for the queues given, in that order; RQ's
own warm shutdown on SIGTERM (the current job finishes, then the worker exits). run-scheduler and run-update-listener:
long-lived processes that check, every few seconds, that they reach postgres and redis (REDIS_UPDATE_HOST for the
listener) over TCP, and log each change. migrate-db: creates its table in the database if missing and records a run
in it, with the stack's POSTGRES_* settings (psql, the real client); init-elasticsearch: asks Elasticsearch with the
stack's ELASTIC_* credentials. Both exit non-zero when they fail, as the real commands do."""
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, "/usr/local/lib/robotoff-stand-in")
from standin import exit_on_stop_signals, fail, log  # noqa: E402

NAME = "robotoff"


def reaches(host, port):
    try:
        socket.create_connection((host, port), timeout=3).close()
        return "reaches"
    except OSError as error:
        return f"cannot reach ({error})"


def watch(name, targets):
    exit_on_stop_signals(name)
    last = {}
    while True:
        for host, port in targets:
            state = reaches(host, port)
            if last.get((host, port)) != state:
                log(name, f"{state} {host}:{port}")
                last[(host, port)] = state
        time.sleep(3)


def worker(queues):
    import redis
    from rq import Queue, Worker

    if not queues:
        fail(NAME, "run-worker needs at least one queue")
    connection = redis.Redis(host=os.environ.get("REDIS_HOST", "redis"), port=6379)
    log(f"{NAME} worker", f"RQ worker on {os.environ.get('REDIS_HOST', 'redis')}:6379, queues {' '.join(queues)}")
    Worker([Queue(q, connection=connection) for q in queues], connection=connection).work(with_scheduler=False)


def migrate_db():
    sql = (
        "CREATE TABLE IF NOT EXISTS robotoff_stand_in_migrations (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now());"
        "INSERT INTO robotoff_stand_in_migrations DEFAULT VALUES;"
    )
    env = dict(os.environ, PGPASSWORD=os.environ.get("POSTGRES_PASSWORD", ""))
    args = ["psql", "-v", "ON_ERROR_STOP=1", "-h", os.environ.get("POSTGRES_HOST", "postgres"), "-U", os.environ.get("POSTGRES_USER", "postgres")]
    code = subprocess.call([*args, "-d", os.environ.get("POSTGRES_DB", "robotoff"), "-c", sql], env=env)
    log(f"{NAME} migrate-db", "migrations applied" if code == 0 else f"migrations failed: psql exit code {code}")
    sys.exit(code)


def init_elasticsearch():
    import base64
    import urllib.request

    host = os.environ.get("ELASTIC_HOST", "elasticsearch")
    request = urllib.request.Request(f"http://{host}:9200/")
    credentials = f"{os.environ.get('ELASTIC_USER', 'elastic')}:{os.environ.get('ELASTIC_PASSWORD', '')}"
    request.add_header("Authorization", "Basic " + base64.b64encode(credentials.encode()).decode())
    try:
        status = urllib.request.urlopen(request, timeout=10).status
    except Exception as error:  # noqa: BLE001 - any failure fails the task
        fail(f"{NAME} init-elasticsearch", f"{host}:9200 answered: {error}")
    log(f"{NAME} init-elasticsearch", f"indices in place ({host}:9200 answered {status})")


def main():
    command, args = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    postgres = (os.environ.get("POSTGRES_HOST", "postgres"), 5432)
    redis_host = (os.environ.get("REDIS_HOST", "redis"), 6379)
    if command == "run-worker":
        worker(args)
    elif command == "run-scheduler":
        watch(f"{NAME} scheduler", [postgres, redis_host])
    elif command == "migrate-db":
        migrate_db()
    elif command == "init-elasticsearch":
        init_elasticsearch()
    elif command == "run-update-listener":
        watch(f"{NAME} update-listener", [(os.environ.get("REDIS_UPDATE_HOST", "redis"), int(os.environ.get("REDIS_UPDATE_PORT") or 6379))])
    else:
        fail(NAME, f"stand-in runs run-worker, run-scheduler, run-update-listener, migrate-db and init-elasticsearch, got: {' '.join(sys.argv[1:])}")


main()
