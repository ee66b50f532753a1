/**
 * Generation 2026-06 over ssh, on real hosts (issue 25, item 6): the test bed (../hosts/bed.ts) runs two Docker hosts,
 * `app` and `ml`, each a network namespace with its own dockerd and sshd. The stack is 2026-06's staging
 * (docker/ml.yml's Triton) with the app, its data services and the one-off tasks on `app` and Triton on `ml`,
 * published beyond loopback there for the app to reach (`triton.allowRemoteAccess`); both hosts are reached as
 * `ssh://<user>@<address>`. The render is replayed through `ssh ... docker system dial-stdio`, as the provider
 * reaches such a host; then the operator commands run against both hosts over ssh, a backup and a restore of
 * postgres 16's database `robotoff` among them (real PostgreSQL 15 in the stand-in).
 */
import { existsSync } from "node:fs";
import { basename } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../tools/shared/command";
import { startBed, type Bed, type BedHost } from "../hosts/bed";
import { STACK_FILES_2026 } from "../fixtures/reference-2026";
import { applyOnBed, PREFIX, prepareStack, PROJECT_DIR, removeFromBed, type StackUnderTest } from "./stack-under-test";

const log = (line: string) => process.stdout.write(`[hosts-2026] ${line}\n`);
const LABEL = "bed26";
const STACK = "staging";
const PROBE = `${PREFIX}stand-in/probe:1`;
const CONTAINER = "docker:index/container:Container";
const WORKERS = ["worker-1", "worker-2", "worker-3", "worker-4", "worker-5", "worker-6", "worker-ml-1", "worker-ml-2"];

let bed: Bed;
let sut: StackUnderTest;
let applyError: unknown;
const used = new Set<string>();

/** An operator command (tools/<name>/index.ts) against the stack file, as a child process. */
const tool = (name: string, args: string[]) =>
  run(process.execPath, ["--require", "./tools/register.js", `tools/${name}/index.ts`, "--stack", STACK, "--config-file", sut.configFile, ...args], {
    cwd: PROJECT_DIR,
    timeoutMs: 300_000,
  });
/** The docker CLI on a bed host, through its own socket (not through the stack's path to it). */
const onHost = (h: BedHost, args: string[]) => run("docker", ["-H", `unix://${h.socket}`, ...args], { timeoutMs: 60_000 });
const serviceOf = (inputs: Record<string, any>): string => inputs.networksAdvanced[0].aliases[0];
const containerOf = (service: string) => [...sut.containers.values()].find((c) => serviceOf(c.inputs) === service)!;
const hostOf = (service: string) => bed.host(containerOf(service).resource.provider === "robotoff-host-ml" ? "ml" : "app");

beforeAll(async () => {
  bed = await startBed(["app", "ml"], log);
  const hosts = Object.fromEntries(bed.hosts.map((h) => [h.name, { url: h.sshUrl, sshOpts: [...bed.sshOpts], address: h.address }]));
  sut = await prepareStack(STACK, LABEL, STACK_FILES_2026.staging, {
    "robotoff:hosts": hosts,
    // Shorter than staging's 30 s checks: the api's copies turn healthy in seconds, at create and after the restore.
    "robotoff:app": { host: "app", api: { healthcheck: { interval: "2s", timeout: "2s", retries: 2, startPeriod: "4s" }, waitTimeout: "60s" } },
    "robotoff:triton": { host: "ml", allowRemoteAccess: true, expose: { http: "5503", grpc: "5504" } },
  });
  applyError = await applyOnBed(sut, bed, { log, probe: PROBE, used });
}, 1_200_000);

afterAll(() => removeFromBed(sut, used, log), 600_000);

describe("generation 2026-06 on two hosts over ssh: Triton on ml, the rest on app", () => {
  it("creates every container on its provider's host, through ssh, none on this machine's Engine; the one-off tasks ran to their end on app", async () => {
    expect(applyError).toBeUndefined();
    const declared = sut.render.resources.filter((r) => r.type === CONTAINER);
    expect(declared.map((r) => r.provider).sort()).toEqual(
      declared.map((r) => (serviceOf(r.inputs) === "triton" ? "robotoff-host-ml" : "robotoff-host-app")).sort(),
    );
    for (const r of declared) {
      const host = hostOf(serviceOf(r.inputs));
      const found = await onHost(host, ["inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", r.inputs.name]);
      expect([r.inputs.name, host.name, found.stdout]).toEqual([r.inputs.name, host.name, r.inputs.attach ? "exited 0" : "running 0"]);
    }
    const here = await run("docker", ["ps", "-a", "--filter", `name=${PREFIX}${LABEL}`, "--format", "{{.Names}}"]);
    expect(here.stdout).toBe("");
  });

  it("runs Triton healthy on ml, and the ML workers on app reach its gRPC port at DEFAULT_TRITON_URI, ml's address", async () => {
    const ml = bed.host("ml");
    expect((await onHost(ml, ["inspect", "--format", "{{.State.Health.Status}}", containerOf("triton").inputs.name])).stdout).toBe("healthy");
    const worker = containerOf("worker-ml-1");
    const uri = (worker.inputs.envs as string[]).find((e) => e.startsWith("DEFAULT_TRITON_URI="));
    expect(uri).toBe(`DEFAULT_TRITON_URI=${ml.address}:5504`);
    const probe = "import os, socket; h, p = os.environ['DEFAULT_TRITON_URI'].split(':'); socket.create_connection((h, int(p)), 10).close(); print('reached')";
    const r = await onHost(bed.host("app"), ["exec", worker.inputs.name, "python3", "-c", probe]);
    expect([r.code, r.stdout, r.stderr]).toEqual([0, "reached", ""]);
  });

  it("livecheck reaches both hosts over ssh: every service UP, the one-off tasks done, the api's health too", async () => {
    const r = await tool("livecheck", []);
    const lines = r.stdout.split("\n");
    // What is not UP first: a failure names it.
    expect([r.code, r.stderr, lines.filter((l) => !/: UP( |$)/.test(l))]).toEqual([0, "", []]);
    for (const c of sut.render.resources.filter((x) => x.type === CONTAINER)) {
      const copy = c.inputs.name.match(/-api-([12])$/)?.[1];
      const service = copy ? `api-${copy}` : serviceOf(c.inputs);
      expect(lines).toContain(c.inputs.attach ? `${service}: UP (a one-off task, ran to completion: exit code 0)` : `${service}: UP`);
    }
    expect(r.stdout).toMatch(/^api health: UP /m);
  });

  it("ops logs worker-3 and ops restart workers reach the workers on app over ssh", async () => {
    const logs = await tool("ops", ["logs", "worker-3"]);
    expect([logs.code, logs.stderr]).toEqual([0, expect.stringContaining("RQ worker on redis")]);
    const restart = await tool("ops", ["restart", "workers"]);
    expect([restart.code, restart.stdout.split("\n")]).toEqual([0, WORKERS.map((w) => `${w}: restarted (${PREFIX}${LABEL}-${w})`)]);
  });

  it("ops ps names the host of each service, asked over ssh", async () => {
    const r = await tool("ops", ["ps"]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    const header = r.stdout.split("\n")[0].split(/\s{2,}/);
    const [service, host] = [header.indexOf("SERVICE"), header.indexOf("HOST")];
    const rows = r.stdout
      .split("\n")
      .slice(1)
      .map((l) => l.split(/\s{2,}/));
    expect(Object.fromEntries(rows.map((x) => [x[service], x[host]]))).toEqual(
      Object.fromEntries(rows.map((x) => [x[service], x[service] === "triton" ? "ml" : "app"])),
    );
  });

  it("doctor checks each host over ssh: the Engine, the disk, and vm.max_map_count where Elasticsearch runs", async () => {
    const r = await tool("doctor", []);
    for (const h of bed.hosts) {
      expect(r.stdout).toMatch(new RegExp(`^OK +${h.name}: Docker Engine \\S+ at ${h.sshUrl}$`, "m"));
      expect(r.stdout).toMatch(new RegExp(`^(OK|WARN|FAIL) +${h.name}: the Engine's data root \\(volumes, images\\) is \\d+ % full`, "m"));
    }
    expect(r.stdout).toMatch(/^(OK|FAIL) +app: vm\.max_map_count is \d+/m);
    expect(r.stdout).not.toMatch(/^\S+ +ml: vm\.max_map_count/m);
  });

  it("ops backup and restore of database robotoff over ssh: the rows as they were at backup time, every app container stopped meanwhile", async () => {
    const psql = async (sql: string) => {
      const r = await tool("ops", ["exec", "postgres", "--", "psql", "-U", "postgres", "-d", "robotoff", "-tA", "-v", "ON_ERROR_STOP=1", "-c", sql]);
      if (r.code !== 0) throw new Error(`psql ${sql}: ${r.stderr}`);
      return r.stdout.trim();
    };
    await psql("create table insights (id text primary key, value text); insert into insights values ('1', 'before'), ('2', 'kept')");
    const backup = await tool("ops", ["backup"]);
    expect([backup.code, backup.stdout]).toEqual([0, expect.stringMatching(/^\/.*\/robotoff-\d{8}T\d{6}Z\.dump$/)]);
    expect(existsSync(backup.stdout)).toBe(true);
    await psql("update insights set value = 'after' where id = '1'; delete from insights where id = '2'");
    const restore = await tool("ops", ["restore", "--yes", basename(backup.stdout)]);
    expect([restore.code, restore.stdout.split("\n").at(-1)]).toEqual([0, `restored ${basename(backup.stdout)} into robotoff`]);
    const stopped = restore.stdout
      .split("\n")
      .filter((l) => / stopped /.test(l))
      .map((l) => l.split(":")[0]);
    expect([...new Set(stopped)].sort()).toEqual(["api", "scheduler", "update-listener", ...WORKERS].sort());
    expect(await psql("select id || '=' || value from insights order by id")).toBe("1=before\n2=kept");
  }, 600_000);
});
