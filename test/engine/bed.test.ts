/**
 * The test bed itself (../hosts/bed.ts): what an interrupted run leaves (its daemons killed with SIGKILL, a
 * container still running in a host) is gone after removeBed, which every bed start and the tier's global
 * setup call; and a host is reachable only as the bed makes it (its own address, key login, its own dockerd).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../tools/shared/command";
import { BED_PREFIX, BED_ROOT, BED_USER, CGROUP_ROOT, loadImages, removeBed, startBed, type Bed } from "../hosts/bed";
import { PREFIX } from "./stack-under-test";
import { ensureStandIns, removeStandInTags } from "./stand-ins/images";

const log = (line: string) => process.stdout.write(`[bed] ${line}\n`);
const PROBE = `${PREFIX}stand-in/probe:1`;
let bed: Bed;
let created: string[] = [];

beforeAll(async () => {
  created = (await ensureStandIns({}, { log, extraTags: { probe: PROBE } })).created;
  bed = await startBed(["one"], log);
  await loadImages(bed.host("one"), [PROBE]);
}, 600_000);

afterAll(async () => {
  await removeBed(log);
  await removeStandInTags(created);
}, 300_000);

/** What of the bed is on this machine: namespaces, links, processes, mounts, cgroups, the folder, the user. */
async function traces(): Promise<string[]> {
  const found: string[] = [];
  const netns = (await run("ip", ["netns", "list"])).stdout.split("\n").filter((l) => l.startsWith(BED_PREFIX));
  found.push(...netns.map((n) => `netns ${n}`));
  const links = (await run("ip", ["-o", "link", "show"])).stdout.split("\n").filter((l) => l.includes(`: ${BED_PREFIX}`));
  found.push(...links.map((l) => `link ${l.split(": ")[1]}`));
  for (const p of readdirSync("/proc").filter((x) => /^[0-9]+$/.test(x) && Number(x) !== process.pid)) {
    try {
      if (readFileSync(`/proc/${p}/cmdline`, "utf8").includes(BED_ROOT)) found.push(`process ${p}`);
    } catch {
      // gone meanwhile
    }
  }
  found.push(
    ...readFileSync("/proc/mounts", "utf8")
      .split("\n")
      .filter((l) => l.split(" ")[1]?.startsWith(BED_ROOT))
      .map((l) => `mount ${l.split(" ")[1]}`),
  );
  found.push(
    ...readdirSync(CGROUP_ROOT)
      .filter((n) => n.startsWith(BED_PREFIX))
      .map((n) => `cgroup ${n}`),
  );
  if (existsSync(BED_ROOT)) found.push(`folder ${BED_ROOT}`);
  if ((await run("id", ["-u", BED_USER])).code === 0) found.push(`user ${BED_USER}`);
  return found;
}

describe("the test bed", () => {
  it("reaches its host only as the bed set it up: key login over ssh to the host's own dockerd", async () => {
    const one = bed.host("one");
    const r = await run("ssh", [...bed.sshOpts, one.sshUrl.replace("ssh://", ""), "docker", "info", "--format", "{{.DockerRootDir}}"]);
    expect([r.code, r.stdout]).toEqual([0, `${one.dir}/data`]);
    const password = await run("ssh", [
      "-o",
      "BatchMode=yes",
      "-o",
      "PubkeyAuthentication=no",
      "-o",
      `UserKnownHostsFile=${bed.knownHosts}`,
      one.sshUrl.replace("ssh://", ""),
      "true",
    ]);
    // Key login only: with no key offered, the server names publickey as the one method it takes.
    expect([password.code, password.stderr]).toEqual([255, expect.stringContaining("Permission denied (publickey).")]);
  });

  it("leaves nothing behind an interrupted run once removeBed has run (daemons killed, a container running)", async () => {
    const one = bed.host("one");
    const c = await run("docker", ["-H", `unix://${one.socket}`, "run", "-d", "--name", `${PREFIX}bed-sleeper`, PROBE, "sleep", "600"]);
    expect(c.code).toBe(0);
    const running = await traces();
    expect(running).toEqual(expect.arrayContaining([`netns ${BED_PREFIX}one`, `folder ${BED_ROOT}`, `user ${BED_USER}`, `cgroup ${BED_PREFIX}one`]));
    // An interrupted run: every daemon of the bed killed at once, nothing stopped in order.
    const killed = await run("pkill", ["-KILL", "-f", BED_ROOT]);
    expect(killed.code).toBe(0); // something was killed: the run was interrupted, not wound down
    await removeBed(log);
    expect(await traces()).toEqual([]);
  }, 120_000);
});
