/**
 * A deploy interrupted by a dockerd restart, then run again, on a real remote host: the test bed's `main`
 * (../hosts/bed.ts) reached over ssh, with test/fixtures/Pulumi.prod-remote-host.yaml (everything on `main`).
 * The first deploy writes rows to postgres once it runs, then stops main's dockerd for 5 s while
 * tf_serving's create waits for its health: that create fails, as the provider's does, with the container in
 * the state (an init error). (A dockerd that is back within about a second goes unnoticed: the provider's
 * next poll, a second later, reaches the new one, and the restart policy has restarted the container.)
 * The second deploy (what `pulumi up` does next: keep what the state holds, replace the init error, create
 * the rest) converges; no container is there twice, no volume or row is lost, and nothing either deploy
 * printed (nor the failed one's error) holds a secret value.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../tools/shared/command";
import { loadImages, removeBed, startBed, startDockerd, stopDockerd, type Bed, type BedHost } from "../hosts/bed";
import { applyStack, daemonUlimits, PREFIX, prepareStack, PROJECT_DIR, removeStack, SSH_PARALLEL, type StackUnderTest } from "./stack-under-test";
import { ensureStandIns, removeStandInTags } from "./stand-ins/images";
import { SECRET_KEYS } from "../../models/secrets";

/** Every line the deploys printed, to look for secret values in. */
const said: string[] = [];
const log = (line: string) => {
  said.push(line);
  process.stdout.write(`[interrupted] ${line}\n`);
};
const LABEL = "intr";
const PROBE = `${PREFIX}stand-in/probe:1`;
const CONTAINER = "docker:index/container:Container";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let bed: Bed;
let main: BedHost;
let sut: StackUnderTest;
let firstError: unknown;
let secondError: unknown;
const used: string[] = [];
/** The containers the first deploy created whole, by name: their IDs. */
let keptBefore = new Map<string, string>();
let restartSeconds = 0;
/** The containers the first deploy left in the state as init errors, by name: their IDs. */
let initErrors = new Map<string, string>();

const onMain = (args: string[]) => run("docker", ["-H", `unix://${main.socket}`, ...args], { timeoutMs: 60_000 });
const serviceOf = (name: string) => name.slice(`${PREFIX}${LABEL}-`.length);
const psql = async (sql: string) => {
  const r = await onMain(["exec", `${PREFIX}${LABEL}-postgres`, "psql", "-U", "postgres", "-d", "postgres", "-At", "-c", sql]);
  if (r.code !== 0) throw new Error(`psql: ${r.stderr}`);
  return r.stdout;
};

beforeAll(async () => {
  bed = await startBed(["main"], log);
  main = bed.host("main");
  sut = await prepareStack("prod-2022", LABEL, join(PROJECT_DIR, "test/fixtures/Pulumi.prod-remote-host.yaml"), {
    "robotoff:hosts": { main: { url: main.sshUrl, sshOpts: [...bed.sshOpts], address: main.address } },
  });
  const images = sut.render.outputs.images as Record<string, string>;
  used.push(...(await ensureStandIns(images, { log, extraTags: { probe: PROBE } })).created);
  await loadImages(main, [...new Set([...Object.values(images), PROBE])]);
  const daemon = await daemonUlimits(PROBE);

  let restart: Promise<void> | undefined;
  try {
    await applyStack(sut, {
      log,
      daemon,
      // As pulumi up --parallel 1: what is in flight when the host goes away is tf_serving's create alone.
      parallel: 1,
      before: async (r) => {
        if (r.type !== CONTAINER || !r.inputs.name.endsWith("-tf_serving")) return;
        await psql("CREATE TABLE interrupted_check (n int); INSERT INTO interrupted_check SELECT generate_series(1, 5000);");
        keptBefore = new Map([...sut.containers.values()].map((c) => [c.inputs.name, c.id]));
        // 2 s into tf_serving's create (it waits for its health), main's dockerd stops, for 5 s.
        restart = (async () => {
          await sleep(2_000);
          const stopped = Date.now();
          await stopDockerd(main);
          await sleep(5_000);
          await startDockerd(main);
          restartSeconds = (Date.now() - stopped) / 1000;
        })();
      },
    });
  } catch (err) {
    firstError = err;
    log(`first deploy failed, as a deploy does when its host restarts: ${err}`);
  }
  await restart;
  initErrors = new Map([...sut.containers.values()].filter((c) => c.initError).map((c) => [c.inputs.name, c.id]));
  try {
    await applyStack(sut, { log, daemon, resume: true, parallel: SSH_PARALLEL });
  } catch (err) {
    secondError = err;
  }
}, 1_200_000);

afterAll(async () => {
  if (sut) await removeStack(sut).catch((err) => log(`removing the stack: ${err}`));
  await removeBed(log);
  await removeStandInTags(used);
}, 600_000);

describe("a deploy interrupted by a dockerd restart, run again", () => {
  it("the first deploy fails at tf_serving, with tf_serving in the state as an init error", () => {
    expect(firstError).toBeDefined();
    log(`[figure] interrupted deploy: main's dockerd down and up again in ${restartSeconds.toFixed(1)} s`);
    // The create in flight when the Engine went away: the replay's error is the Engine call's (Pulumi names the resource).
    expect(String(firstError)).toMatch(/socket hang up|ECONNRESET|ECONNREFUSED|no answer from the Engine/);
    expect([...initErrors.keys()]).toEqual([`${PREFIX}${LABEL}-tf_serving`]);
    // What the render creates before tf_serving, created whole by the first deploy.
    const containers = sut.render.resources.filter((r) => r.type === CONTAINER).map((r) => r.inputs.name as string);
    expect([...keptBefore.keys()]).toEqual(
      containers.slice(
        0,
        containers.findIndex((n) => n.endsWith("-tf_serving")),
      ),
    );
    expect(keptBefore.size).toBeGreaterThan(0);
  });

  it("the second deploy converges: every container of the render runs, once", async () => {
    expect(secondError).toBeUndefined();
    const declared = sut.render.resources.filter((r) => r.type === CONTAINER).map((r) => r.inputs.name as string);
    const all = await onMain(["ps", "-a", "--filter", `name=${PREFIX}${LABEL}-`, "--format", "{{.Names}} {{.State}}"]);
    const rows = all.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split(" "));
    expect(rows.map(([n]) => n).sort()).toEqual([...declared].sort());
    for (const [name, state] of rows) expect([name, state]).toEqual([name, "running"]);
  });

  it("keeps what the first deploy created whole (same containers), and replaces only the init error", async () => {
    for (const [name, id] of keptBefore) {
      const now = await onMain(["inspect", "--format", "{{.Id}}", name]);
      expect([serviceOf(name), now.stdout]).toEqual([serviceOf(name), id]);
    }
    // The init error is replaced: a new container under the same name.
    for (const [name, id] of initErrors) {
      const now = await onMain(["inspect", "--format", "{{.Id}}", name]);
      expect([name, now.code, now.stdout === id]).toEqual([name, 0, false]);
    }
  });

  it("loses no volume and no row: the data volumes are there, postgres has every row written before the restart", async () => {
    for (const v of sut.operatorVolumes) expect((await onMain(["volume", "inspect", "--format", "{{.Name}}", v.name])).stdout).toBe(v.name);
    expect(await psql("SELECT count(*), sum(n) FROM interrupted_check;")).toBe("5000|12502500");
  });

  it("prints no secret value, in either deploy's lines or in the failed deploy's error", () => {
    // The offline render reads a secure: value as this text; the containers get it as the secret's value.
    const envs = sut.render.resources.filter((r) => r.type === CONTAINER).flatMap((r) => (r.inputs.envs ?? []) as string[]);
    const secrets = SECRET_KEYS.map((k) => `<secure robotoff:${k}>`).filter((v) => envs.some((e) => e.endsWith(`=${v}`)));
    expect(secrets.length).toBeGreaterThan(3); // the check has values to look for
    const printed = [...said, String(firstError), String(secondError ?? "")].join("\n");
    for (const v of secrets) expect([v, printed.includes(v)]).toEqual([v, false]);
  });
});
