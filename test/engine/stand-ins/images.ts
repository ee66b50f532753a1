/**
 * Stand-in images for the engine test tier: one per image key of the stack, tagged with the exact
 * reference the stack uses, built locally (no registry) over a cached Debian base. See README.md.
 */
import { createHash } from "node:crypto";
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { lastLine, run } from "../../../tools/shared/command";
import { ensureBase, imageExists, STAND_IN_LABEL } from "./base";
import { dockerfile, STAND_IN_ROLES, type StandInRole } from "./roles";

export { STAND_IN_LABEL } from "./base";
export { STAND_IN_ROLES, type StandInRole } from "./roles";

const HERE = __dirname;
/** No buildx on the machines this runs on: the classic builder, which builds FROM a local image offline. */
const BUILD_ENV = { DOCKER_BUILDKIT: "0" };

export interface StandInOptions {
  readonly log: (line: string) => void;
  /** More references by role, e.g. `{ probe: "busybox:1.36" }`. */
  readonly extraTags?: Record<string, string>;
}

const isRole = (key: string): key is StandInRole => (STAND_IN_ROLES as readonly string[]).includes(key);

/** Every file under dir, relative, sorted (for the role image's content hash). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

async function hashTree(hash: ReturnType<typeof createHash>, dir: string): Promise<void> {
  for (const file of await filesUnder(dir)) {
    const path = join(dir, file);
    hash.update(`${file}\0${(await stat(path)).mode & 0o777}\0`).update(await readFile(path));
  }
}

/** The image ID a reference names, and whether that image is one of ours; undefined when absent. */
async function inspect(ref: string): Promise<{ id: string; ours: boolean } | undefined> {
  // Not `index .Config.Labels`: it fails on an image without labels, which would read as absent.
  const r = await run("docker", ["image", "inspect", "--format", "{{.Id}} {{json .Config.Labels}}", ref]);
  if (r.code !== 0) return undefined;
  const [id, labels] = [r.stdout.slice(0, r.stdout.indexOf(" ")), r.stdout.slice(r.stdout.indexOf(" ") + 1)];
  return { id, ours: (JSON.parse(labels) ?? {})[STAND_IN_LABEL] === "1" };
}

/** Builds the role's image over base unless its content-addressed tag exists; returns that tag. */
async function ensureRoleImage(role: StandInRole, base: string, log: (line: string) => void): Promise<string> {
  const rootfs = join(HERE, "roles", role, "rootfs");
  const hasFiles = (await filesUnder(rootfs)).length > 0;
  const text = dockerfile(role, base, STAND_IN_LABEL, hasFiles);
  const hash = createHash("sha256").update(text);
  await hashTree(hash, join(HERE, "common"));
  await hashTree(hash, rootfs);
  const tag = `robotoff-stand-in/${role}:${hash.digest("hex").slice(0, 16)}`;
  if (await imageExists(tag)) return tag;

  const context = await mkdtemp(join(tmpdir(), `robotoff-stand-in-${role}-`));
  try {
    await writeFile(join(context, "Dockerfile"), text);
    await cp(join(HERE, "common"), join(context, "common"), { recursive: true });
    if (hasFiles) await cp(rootfs, join(context, "rootfs"), { recursive: true });
    const built = await run("docker", ["build", "-q", "-t", tag, context], { env: BUILD_ENV, timeoutMs: 5 * 60_000 });
    if (built.code !== 0) throw new Error(`stand-ins: docker build of ${role} failed: ${built.stderr || built.stdout}`);
    log(`stand-ins: built ${tag}`);
    return tag;
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

/**
 * Builds (or reuses) the base image and one image per requested role, and tags each requested reference
 * with it. Refuses to re-point a reference that names an image without our label (a real image, or
 * someone else's). Returns the reference tags it created or re-pointed, for removeStandInTags; the
 * base and role images (robotoff-stand-in/*) stay as a cache.
 */
export async function ensureStandIns(images: Record<string, string>, opts: StandInOptions): Promise<{ created: string[] }> {
  const wanted = [...Object.entries(images), ...Object.entries(opts.extraTags ?? {})];
  for (const [key, ref] of wanted) {
    if (!isRole(key)) throw new Error(`stand-ins: no stand-in for image key "${key}" (${ref}); roles: ${STAND_IN_ROLES.join(", ")}`);
    const existing = await inspect(ref);
    if (existing && !existing.ours) {
      throw new Error(
        `stand-ins: refusing to re-tag ${ref}: it names image ${existing.id.slice(0, 19)}, which has no ${STAND_IN_LABEL}=1 label (a real image?). Remove or rename it first.`,
      );
    }
  }
  const refs = new Map<string, StandInRole>();
  for (const [key, ref] of wanted) {
    const other = refs.get(ref);
    if (other && other !== key) throw new Error(`stand-ins: ${ref} is asked for as both ${other} and ${key}`);
    refs.set(ref, key as StandInRole);
  }

  const base = await ensureBase(opts.log);
  const roleTags = new Map<StandInRole, string>();
  for (const role of new Set(refs.values())) roleTags.set(role, await ensureRoleImage(role, base, opts.log));

  const created: string[] = [];
  for (const [ref, role] of refs) {
    const tag = roleTags.get(role)!;
    const [before, image] = [await inspect(ref), await inspect(tag)];
    if (before?.id === image?.id) continue; // already ours and current: left as found
    const tagged = await run("docker", ["tag", tag, ref]);
    if (tagged.code !== 0) throw new Error(`stand-ins: docker tag ${tag} ${ref} failed: ${lastLine(tagged)}`);
    created.push(ref);
    opts.log(`stand-ins: ${ref} -> ${role} stand-in`);
  }
  return { created };
}

/** Removes reference tags made by ensureStandIns (the images stay under their robotoff-stand-in/* tags). */
export async function removeStandInTags(created: readonly string[]): Promise<void> {
  for (const ref of created) {
    const found = await inspect(ref);
    if (!found?.ours) continue; // gone, or re-pointed by someone else meanwhile: not ours to remove
    await run("docker", ["image", "rm", "--no-prune", ref]);
  }
}
