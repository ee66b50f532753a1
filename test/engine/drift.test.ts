/**
 * Refresh and drift on the real Engine, as kreuzwerker/terraform-provider-docker v4.5.0 does them (issue 24): the
 * dev stack, with robotoff:stopped keeping the scheduler stopped, is applied; then an operator stops a container
 * by hand, removes another and changes a third one's memory. livecheck names each change; the next `pulumi up`
 * (which refreshes first: Pulumi.yaml `options.refresh: always`) reads every container as the provider does
 * (replay.ts readContainer) and puts each back, and leaves the stopped service stopped.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../tools/shared/command";
import { engine } from "./engine-api";
import { inspectContainer } from "./replay";
import {
  applyStack,
  daemonUlimits,
  devDockerfile,
  PREFIX,
  prepareStack,
  PROJECT_DIR,
  refreshStack,
  removeStack,
  type AppliedContainer,
  type StackUnderTest,
} from "./stack-under-test";
import { ensureStandIns, removeStandInTags } from "./stand-ins/images";

const log = (line: string) => process.stdout.write(`[drift] ${line}\n`);
const MB = 1024 * 1024;
const LABEL = "drift";
const PROBE = `${PREFIX}stand-in/probe:1`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let sut: StackUnderTest;
let daemon: { nofile: number; memlockKb: number };
const used = new Set<string>();
const byService = (service: string): AppliedContainer => [...sut.containers.values()].find((c) => c.inputs.networksAdvanced[0].aliases[0] === service)!;
const livecheck = () =>
  run(process.execPath, ["--require", "./tools/register.js", "tools/livecheck/index.ts", "--stack", "dev-2022", "--config-file", sut.configFile], {
    cwd: PROJECT_DIR,
    timeoutMs: 300_000,
  });
const lineOf = (stdout: string, service: string) => stdout.split("\n").find((l) => l.startsWith(`${service}: `));

async function healthyOrRunning(id: string, seconds: number): Promise<string> {
  let state: any;
  for (let i = 0; i < seconds; i++) {
    state = (await inspectContainer(id)).State;
    if (state.Running && (!state.Health || state.Health.Status === "healthy")) return "up";
    await sleep(1000);
  }
  return `${state?.Status} ${state?.Health?.Status ?? ""}`.trim();
}

beforeAll(async () => {
  await ensureStandIns({}, { log, extraTags: { probe: PROBE } });
  used.add(PROBE);
  daemon = await daemonUlimits(PROBE);
  sut = await prepareStack("dev-2022", LABEL, undefined, { "robotoff:stopped": ["scheduler"] });
  const images = { ...sut.render.outputs.images } as Record<string, string>;
  for (const b of sut.render.resources.filter((r) => r.type === "docker:index/remoteImage:RemoteImage" && r.inputs.build)) {
    const key = Object.keys(images).find((k) => images[k] === b.inputs.name)!;
    images[key] = `${PREFIX}stand-in/${key}:base`;
    writeFileSync(join(b.inputs.build.context, "Dockerfile"), devDockerfile(images[key]));
  }
  await ensureStandIns(images, { log });
  for (const reference of Object.values(images)) used.add(reference);
  await applyStack(sut, { log, daemon });
}, 1_200_000);

afterAll(async () => {
  if (sut) await removeStack(sut);
  if (process.env.ROBOTOFF_ENGINE_KEEP_STAND_INS !== "1") await removeStandInTags([...used]);
}, 600_000);

describe("refresh and drift (kreuzwerker v4.5.0), on the real Engine", () => {
  it("an up of the untouched stack finds nothing to change, the stopped scheduler included", async () => {
    expect((await inspectContainer(byService("scheduler").id)).State.Running).toBe(false);
    expect(await refreshStack(sut, { log, daemon })).toEqual([]);
  });

  it("livecheck names what an operator did by hand: a container stopped, one removed, one's memory changed", async () => {
    const [workers, tfServing, postgres] = [byService("workers"), byService("tf_serving"), byService("postgres")];
    await engine({ method: "POST", path: `/containers/${workers.id}/stop`, query: { t: 10 }, timeoutMs: 60_000 });
    await engine({ method: "DELETE", path: `/containers/${tfServing.id}`, query: { force: true } });
    await engine({ method: "POST", path: `/containers/${postgres.id}/update`, json: { Memory: 3072 * MB, MemorySwap: 6144 * MB } });
    const r = await livecheck();
    expect(r.code).toBe(1);
    expect(lineOf(r.stdout, "workers")).toMatch(/^workers: DOWN \(exited(, exit code \d+)?; the next pulumi up starts it\)$/);
    expect(lineOf(r.stdout, "tf_serving")).toBe(`tf_serving: DOWN (no container ${tfServing.inputs.name}; the next pulumi up creates it)`);
    expect(lineOf(r.stdout, "postgres")).toBe(
      `postgres: UP (drift: memory limit 3072 MB, the stack sets ${postgres.inputs.memory} MB; the next pulumi up puts it back)`,
    );
    expect(lineOf(r.stdout, "scheduler")).toBe("scheduler: UP (stopped by robotoff:stopped)");
  }, 300_000);

  it("the next up starts the stopped container, creates the removed one again, puts the memory back, and keeps the scheduler stopped", async () => {
    const before = { workers: byService("workers").id, postgres: byService("postgres").id, scheduler: byService("scheduler").id };
    const tfName = byService("tf_serving").inputs.name;
    expect(await refreshStack(sut, { log, daemon })).toEqual([
      `${byService("postgres").inputs.name}: updated (memory, memorySwap)`,
      `${tfName}: created (it was not on its Engine)`,
      `${byService("workers").inputs.name}: updated (mustRun)`,
    ]);
    // The same containers, started or updated in place; tf_serving a new one.
    expect([byService("workers").id, byService("postgres").id, byService("scheduler").id]).toEqual([before.workers, before.postgres, before.scheduler]);
    expect(await healthyOrRunning(before.workers, 60)).toBe("up");
    const pg = await inspectContainer(before.postgres);
    expect([pg.HostConfig.Memory, pg.HostConfig.MemorySwap]).toEqual([byService("postgres").inputs.memory * MB, byService("postgres").inputs.memorySwap * MB]);
    expect(await healthyOrRunning(byService("tf_serving").id, 120)).toBe("up");
    expect((await inspectContainer(before.scheduler)).State.Running).toBe(false);
  }, 300_000);

  it("then livecheck finds every service up, and a further up changes nothing", async () => {
    // The api is not waited for at create (nothing depends on it): it may still be in its start period.
    let r = await livecheck();
    for (let i = 0; i < 24 && r.code !== 0; i++) {
      await sleep(5000);
      r = await livecheck();
    }
    expect([r.code, r.stdout.split("\n").filter((l) => / DOWN | \(drift/.test(l))]).toEqual([0, []]);
    expect(await refreshStack(sut, { log, daemon })).toEqual([]);
  }, 300_000);
});
