/**
 * What an interrupted run of the tier leaves behind (a session or CI job killed mid-run): removed before any
 * file starts (global-setup.ts), so that a leftover swarm service cannot hold a fixed host port or put a
 * container back under a name the next run creates. Only what carries PREFIX, a stand-in's label, or the
 * swarm marker is touched.
 */
import { run } from "../../tools/shared/command";
import { STAND_IN_LABEL } from "../../tools/doctor/stand-ins";
import { engine, EngineError } from "./engine-api";

export const PREFIX = process.env.ROBOTOFF_ENGINE_PREFIX || "rbt-engine-";
/** The node label on a swarm the tier initialised, so that a later run knows it may leave it. */
export const SWARM_MARKER = `${PREFIX}test-swarm`;
/** The cache of stand-in images, kept between runs (test/engine/stand-ins). */
const STAND_IN_CACHE = "robotoff-stand-in/";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const ignoreMissing = (err: unknown) => {
  if (!(err instanceof EngineError && err.status === 404)) throw err;
};

/** Swarm services, secrets and configs whose name starts with PREFIX (none when the Engine is in no swarm). */
export async function removeSwarmObjects(log: (line: string) => void): Promise<void> {
  for (const kind of ["services", "secrets", "configs"] as const) {
    const items = await engine<any[]>({ method: "GET", path: `/${kind}` }).catch(() => []);
    for (const x of items.filter((i) => String(i.Spec.Name).startsWith(PREFIX))) {
      log(`removing ${kind} ${x.Spec.Name}`);
      await engine({ method: "DELETE", path: `/${kind}/${x.ID}` }).catch(ignoreMissing);
    }
  }
}

async function prefixedContainers(): Promise<any[]> {
  const all = await engine<any[]>({ method: "GET", path: "/containers/json", query: { all: true, filters: JSON.stringify({ name: [PREFIX] }) } });
  return all.filter((x) => x.Names.some((n: string) => n.startsWith(`/${PREFIX}`)));
}

/** Leaves the swarm when this tier initialised it (SWARM_MARKER) and nothing else runs in it. */
async function leaveMarkedSwarm(log: (line: string) => void): Promise<void> {
  const info = await engine({ method: "GET", path: "/info" });
  if (info.Swarm.LocalNodeState !== "active") return;
  const node = await engine({ method: "GET", path: `/nodes/${info.Swarm.NodeID}` }).catch(() => undefined);
  if (node?.Spec?.Labels?.[SWARM_MARKER] !== "1") return;
  const others = await engine<any[]>({ method: "GET", path: "/services" });
  if (others.length > 0) {
    log(`the swarm an earlier run created now has services of others (${others.map((s) => s.Spec.Name).join(", ")}): left as it is`);
    return;
  }
  const left = await run("docker", ["swarm", "leave", "--force"]);
  if (left.code !== 0) throw new Error(`docker swarm leave --force: ${left.stderr}`);
  await engine({ method: "DELETE", path: "/networks/docker_gwbridge" }).catch(() => undefined);
  log("left the swarm an earlier, interrupted run created");
}

/** Everything of the tier's that an earlier, interrupted run left, in the order that frees each next step. */
export async function removeLeftovers(log: (line: string) => void): Promise<void> {
  await removeSwarmObjects(log);
  // A removed service's task containers go away asynchronously.
  for (let i = 0; i < 60 && (await prefixedContainers()).some((c) => c.Labels?.["com.docker.swarm.service.id"]); i++) await sleep(1000);
  await leaveMarkedSwarm(log);
  for (const c of await prefixedContainers()) {
    log(`removing leftover container ${c.Names[0]}`);
    await engine({ method: "DELETE", path: `/containers/${c.Id}`, query: { force: true, v: true } }).catch(ignoreMissing);
  }
  const networks = await engine<any[]>({ method: "GET", path: "/networks" });
  for (const n of networks.filter((x) => x.Name.startsWith(PREFIX))) {
    log(`removing leftover network ${n.Name}`);
    await engine({ method: "DELETE", path: `/networks/${n.Id}` }).catch(ignoreMissing);
  }
  const volumes = (await engine<{ Volumes: any[] | null }>({ method: "GET", path: "/volumes" })).Volumes ?? [];
  for (const v of volumes.filter((x) => x.Name.startsWith(PREFIX))) {
    log(`removing leftover volume ${v.Name}`);
    await engine({ method: "DELETE", path: `/volumes/${encodeURIComponent(v.Name)}` }).catch(ignoreMissing);
  }
  // Tags the tier put on images: its own (PREFIX…) and the stack's references on stand-ins (postgres:11.2-alpine
  // naming a stand-in); the stand-in cache stays, and no tag of an image without the stand-in label is touched.
  const images = await engine<any[]>({ method: "GET", path: "/images/json" });
  for (const image of images) {
    const standIn = image.Labels?.[STAND_IN_LABEL] === "1";
    for (const tag of (image.RepoTags ?? []) as string[]) {
      if (tag === "<none>:<none>" || tag.startsWith(STAND_IN_CACHE)) continue;
      if (!tag.startsWith(PREFIX) && !standIn) continue;
      log(`removing leftover tag ${tag}`);
      await engine({ method: "DELETE", path: `/images/${encodeURIComponent(tag)}`, query: { noprune: true } }).catch(ignoreMissing);
    }
  }
}
