/**
 * The postgres_backup service: a shell loop in the postgres image the stack already pulls (it has
 * pg_dump, pg_restore and sh, in the server's own version, and no other image has to be trusted or
 * pulled), dumping the database daily at a UTC time, keeping the last N dumps, writing each atomically.
 * The same script serves `npm run ops -- backup` and `restore` (docker exec).
 */
import { posix } from "node:path";
import type { StackConfig } from "./config";
import type { Healthcheck, ServiceSpec } from "./spec";
import { healthBudgetSeconds } from "./healthchecks";

/** Where the dumps are, inside the backup container. */
export const BACKUP_MOUNT = "/backups";
/** The script, shipped into the container at create. */
export const BACKUP_SCRIPT = "/usr/local/share/robotoff/backup.sh";
/**
 * Written after a failed dump, removed by the next good one; the healthcheck prints it. In the backup
 * folder, so that a failure outlives a restart of the container and the operator sees it on the host.
 */
export const BACKUP_FAILED = `${BACKUP_MOUNT}/.last-failure`;

/** Dump file names: `<db>-<UTC time>.dump` (db name with anything but [A-Za-z0-9_.-] as `_`). */
export const dumpPrefix = (db: string) => db.replace(/[^A-Za-z0-9_.-]/g, "_");
/** Seconds after midnight UTC of an `HH:MM` time. */
export const secondsOfDay = (at: string) => Number(at.slice(0, 2)) * 3600 + Number(at.slice(3, 5)) * 60;

/**
 * `backup.sh loop | once | check FILE | restore FILE`. POSIX sh (busybox in the alpine image).
 * A dump goes to `.<name>.partial` in the same folder, is flushed to disk, then renamed: a reader
 * never sees a half-written file under a dump's name. A killed dump leaves only its partial file,
 * which the next loop start removes.
 */
export const BACKUP_SH = `#!/bin/sh
set -u
umask 077
dir="$BACKUP_DIR"
prefix="$BACKUP_PREFIX"
failed="$dir/.last-failure"
log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) backup: $*" >&2; }

prune() {
  n=0
  for f in $(ls -1 "$dir" | grep -E "^$prefix-[0-9]{8}T[0-9]{6}Z\\.dump$" | sort -r); do
    n=$((n + 1))
    if [ "$n" -gt "$BACKUP_KEEP" ]; then rm -f "$dir/$f" && log "removed $f (keeping $BACKUP_KEEP)"; fi
  done
}

dump() {
  name="$prefix-$(date -u +%Y%m%dT%H%M%SZ).dump"
  tmp="$dir/.$name.partial"
  if pg_dump --format=custom --file="$tmp" && { sync "$tmp" 2>/dev/null || sync; } && mv "$tmp" "$dir/$name" && { sync "$dir" 2>/dev/null || sync; }; then
    rm -f "$failed"
    log "wrote $name ($(wc -c < "$dir/$name") bytes)"
    echo "$dir/$name"
    prune
  else
    rm -f "$tmp"
    echo "last dump failed at $(date -u +%Y-%m-%dT%H:%M:%SZ): pg_dump of $PGDATABASE on $PGHOST, see the container's logs" > "$failed"
    log "FAILED: dump of $PGDATABASE not written"
    return 1
  fi
}

check() {
  f="$1"
  [ -f "$f" ] || { echo "$f: no such file" >&2; return 1; }
  if ! list=$(pg_restore --list "$f" 2>&1); then echo "$f is not a pg_dump custom-format archive: $list" >&2; return 1; fi
  of=$(echo "$list" | sed -n 's/^;[[:space:]]*dbname: //p')
  [ "$of" = "$PGDATABASE" ] || { echo "$f is a dump of database '$of', not of '$PGDATABASE'" >&2; return 1; }
}

case "\${1:-}" in
  loop)
    trap 'exit 0' TERM INT
    rm -f "$dir"/.*.partial
    log "dumps of $PGDATABASE daily at $BACKUP_AT UTC to $dir, keeping $BACKUP_KEEP"
    while :; do
      now=$(date -u +%s)
      next=$((now / 86400 * 86400 + BACKUP_AT_SECONDS))
      [ "$next" -gt "$now" ] || next=$((next + 86400))
      sleep $((next - now)) & wait $!
      dump || true
    done ;;
  once) dump ;;
  check) check "$2" ;;
  restore)
    check "$2" || exit 1
    log "restoring $2 into $PGDATABASE"
    pg_restore --clean --if-exists --single-transaction --exit-on-error --dbname="$PGDATABASE" "$2" && log "restored $2" ;;
  *) echo "usage: backup.sh loop | once | check FILE | restore FILE" >&2; exit 64 ;;
esac
`;

/** Unhealthy as soon as a dump failed, with the failure as its output (livecheck prints it). */
export const backupHealthcheck = (): Healthcheck => ({
  command: ["sh", "-c", `if [ -e ${BACKUP_FAILED} ]; then cat ${BACKUP_FAILED}; exit 1; fi`],
  intervalSeconds: 10,
  timeoutSeconds: 10,
  retries: 1,
  startPeriodSeconds: 0,
});

/** What the backup service reads of a config, in either generation. */
export type BackupConfig = Pick<StackConfig, "hostRoot"> & { readonly postgres: Pick<StackConfig["postgres"], "db" | "user" | "backup"> };

/** The backup folder on postgres' host. */
export const backupDir = (cfg: BackupConfig) => cfg.postgres.backup.dir ?? posix.join(cfg.hostRoot, "backups");

/** The service, without what every service of the stack shares (its host, postgres' and the app's; restart policy, grace). */
export function backupService(
  cfg: BackupConfig,
  postgresPort: number,
  hasPassword: boolean,
): Pick<ServiceSpec, "name" | "image" | "entrypoint" | "env" | "binds" | "files" | "memoryMb" | "dependsOn" | "healthcheck" | "waitTimeoutSeconds"> {
  const b = cfg.postgres.backup;
  return {
    name: "postgres_backup",
    image: "postgres",
    entrypoint: ["sh", BACKUP_SCRIPT, "loop"],
    env: {
      BACKUP_AT: b.at,
      BACKUP_AT_SECONDS: String(secondsOfDay(b.at)),
      BACKUP_DIR: BACKUP_MOUNT,
      BACKUP_KEEP: String(b.keep),
      BACKUP_PREFIX: dumpPrefix(cfg.postgres.db),
      PGDATABASE: cfg.postgres.db,
      PGHOST: "postgres",
      ...(hasPassword ? { PGPASSWORD: { secret: "postgresPassword" as const } } : {}),
      PGPORT: String(postgresPort),
      PGUSER: cfg.postgres.user,
    },
    binds: [{ hostPath: backupDir(cfg), containerPath: BACKUP_MOUNT, readOnly: false }],
    files: [{ containerPath: BACKUP_SCRIPT, content: BACKUP_SH }],
    memoryMb: b.memory,
    dependsOn: ["postgres"],
    healthcheck: backupHealthcheck(),
    // The deploy ends once it is healthy: a livecheck right after it (deploy.yml) finds it up, not starting.
    waitTimeoutSeconds: healthBudgetSeconds(backupHealthcheck()),
  };
}
