/**
 * `ops backup` and `ops restore <file>`: through the postgres_backup container (models/backup.ts), which
 * has the stack's postgres client tools, the backup folder mounted and the database's address.
 */
import { readFileSync } from "node:fs";
import { basename, posix } from "node:path";
import { createInterface } from "node:readline/promises";
import { BACKUP_MOUNT, BACKUP_SCRIPT, backupDir } from "../../models/backup";
import type { StackPlan } from "../../models/stack-plan";
import { lastLine } from "../shared/command";
import { ArgumentError, InputError } from "../shared/errors";
import type { OpsTarget, PlacedContainer } from "../targets/target";

/** A dump or a restore may take hours: no timeout that would cut one short. */
const NO_LIMIT = 24 * 3600_000;

function backupContainer(plan: StackPlan, all: readonly PlacedContainer[]): PlacedContainer {
  const found = all.find((c) => c.service === "postgres_backup");
  if (!found)
    throw new InputError(
      `backups are off in stack ${plan.config.environment === "dev" ? "dev (the default there)" : "this stack"}: set robotoff:postgres.backup.enabled to true and deploy`,
    );
  return found;
}

/** Takes a dump now; prints the host path of the file written. */
export async function backupNow(plan: StackPlan, all: readonly PlacedContainer[], target: OpsTarget): Promise<number> {
  const c = backupContainer(plan, all);
  const r = await target.exec(c, ["sh", BACKUP_SCRIPT, "once"], NO_LIMIT);
  if (r.stderr) process.stderr.write(`${r.stderr}\n`);
  const written = r.stdout.split("\n").pop() ?? "";
  if (r.code !== 0 || !written.startsWith(`${BACKUP_MOUNT}/`)) {
    process.stderr.write(`backup failed: ${lastLine(r)}\n`);
    return 1;
  }
  process.stdout.write(`${posix.join(backupDir(plan.config), posix.basename(written))}\n`);
  return 0;
}

/** A dump's name in the backup folder: the file as the backup printed it, or its bare name. */
export function dumpName(plan: StackPlan, file: string): string {
  const dir = backupDir(plan.config);
  const name = basename(file);
  if (file !== name && posix.dirname(file) !== dir)
    throw new ArgumentError(`${file}: restore reads dumps from ${dir} on the postgres host (robotoff:postgres.backup.dir)`);
  return name;
}

async function confirmed(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim() === "yes";
  } finally {
    rl.close();
  }
}

/**
 * Checks the dump (a custom-format archive of this database), asks, stops the app, restores in one
 * transaction (a failure changes nothing), starts the app again.
 */
export async function restoreDump(plan: StackPlan, all: readonly PlacedContainer[], file: string, opts: { yes: boolean }, target: OpsTarget): Promise<number> {
  const c = backupContainer(plan, all);
  const inContainer = posix.join(BACKUP_MOUNT, dumpName(plan, file));
  const check = await target.exec(c, ["sh", BACKUP_SCRIPT, "check", inContainer], NO_LIMIT);
  if (check.code !== 0) throw new InputError(`not restored: ${lastLine(check).replaceAll(`${BACKUP_MOUNT}/`, `${backupDir(plan.config)}/`)}`);
  // Those that use the database (ServiceSpec.app), but a one-off task's (it ran at its create) and a kept-stopped one's.
  const appNames = new Set(plan.spec.services.filter((s) => s.app && !s.oneOff && !s.stopped).map((s) => s.name));
  const apps = all.filter((a) => appNames.has(a.service));
  const db = plan.config.postgres.db;
  if (!opts.yes) {
    const question = `This replaces database ${db} with ${basename(file)}; ${[...new Set(apps.map((a) => a.service))].join(", ")} stop meanwhile. Type yes to go on: `;
    if (!(await confirmed(question))) {
      process.stderr.write("not restored\n");
      return 1;
    }
  }
  const stopped = await target.lifecycle("stop", apps);
  if (stopped !== 0) {
    process.stderr.write("not restored: the app did not stop; start what stopped with npm run ops -- start\n");
    return 1;
  }
  const restore = await target.exec(c, ["sh", BACKUP_SCRIPT, "restore", inContainer], NO_LIMIT);
  if (restore.stderr) process.stderr.write(`${restore.stderr}\n`);
  const started = await target.lifecycle("start", apps);
  if (restore.code !== 0) {
    process.stderr.write(`restore failed, database ${db} unchanged (one transaction): ${lastLine(restore)}\n`);
    return 1;
  }
  process.stdout.write(`restored ${basename(file)} into ${db}\n`);
  return started;
}

/** Steps of `pulumi preview --json` that end the life of a resource's current instance. */
const ENDS = new Set(["replace", "create-replacement", "delete-replaced", "delete"]);
/**
 * The containers whose replacement a dump goes before: postgres' (a new server may not read the volume) and
 * 2026-06's migrate-db (a new app image migrates the database). Their URNs end with `<deployment>-<service>-container`
 * (services/containers/deployment.ts, service.ts).
 */
const DUMP_FIRST = /\$docker:index\/container:Container::[^:$]*-(postgres|migrate-db)-container$/;

/** Reads a `pulumi preview --json` output; an unreadable or foreign file is an error, never "no change". */
export function readPreview(file: string): { steps: { op: string; urn: string }[] } {
  let preview: any;
  try {
    preview = JSON.parse(readFileSync(file, "utf8"));
  } catch (err: any) {
    throw new InputError(`--if-replaced ${file}: not a pulumi preview --json output (${err.message})`);
  }
  if (!Array.isArray(preview?.steps)) throw new InputError(`--if-replaced ${file}: not a pulumi preview --json output (no steps)`);
  return preview;
}

/** Whether the preview replaces or deletes the postgres container (its data volume stays), or runs the migrations again. */
export const needsDumpFirst = (preview: { steps: { op: string; urn: string }[] }): boolean =>
  preview.steps.some((s) => ENDS.has(s.op) && DUMP_FIRST.test(s.urn));
