/**
 * The two-host stack over ssh, on real hosts: the test bed (../hosts/bed.ts) runs two Docker hosts, `app` and
 * `ml`, each a network namespace with its own dockerd and sshd. The stack file is
 * test/fixtures/Pulumi.prod-two-hosts.yaml (tf_serving on `ml`) with the app on `app` too, both hosts reached
 * as `ssh://<user>@<address>` with sshOpts naming the run's key and known_hosts. The render is replayed
 * through `ssh ... docker system dial-stdio`, as the provider reaches such a host; then the operator commands
 * run against both hosts over ssh, and then what an operator gets wrong: a wrong key, an unknown host key,
 * an unreachable host, a host whose dockerd is down.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../tools/shared/command";
import { BED_USER, startBed, startDockerd, stopDockerd, type Bed, type BedHost } from "../hosts/bed";
import { stackFileWith } from "../harness";
import { applyOnBed, PREFIX, prepareStack, PROJECT_DIR, removeFromBed, type StackUnderTest } from "./stack-under-test";

const log = (line: string) => process.stdout.write(`[hosts] ${line}\n`);
const LABEL = "bed";
const FIXTURE = join(PROJECT_DIR, "test/fixtures/Pulumi.prod-two-hosts.yaml");
const PROBE = `${PREFIX}stand-in/probe:1`;
const CONTAINER = "docker:index/container:Container";

let bed: Bed;
let sut: StackUnderTest;
let applyError: unknown;
const used = new Set<string>();
/** The keys and stack files the tests write; removed at the end. */
const scratch = mkdtempSync(join(tmpdir(), `${PREFIX}${LABEL}-scratch-`));

/** The stack's hosts in the bed: url, the run's ssh options, and the address containers elsewhere use. */
const bedHosts = (b: Bed, sshOpts: readonly string[] = b.sshOpts) =>
  Object.fromEntries(b.hosts.map((h) => [h.name, { url: h.sshUrl, sshOpts: [...sshOpts], address: h.address }]));

/** An operator command (tools/<name>/index.ts) against the stack file, as a child process. */
const tool = (name: string, args: string[], configFile = sut.configFile) =>
  run(process.execPath, ["--require", "./tools/register.js", `tools/${name}/index.ts`, "--stack", "prod-2022", "--config-file", configFile, ...args], {
    cwd: PROJECT_DIR,
    timeoutMs: 300_000,
  });

/** The docker CLI on a bed host, through its own socket (not through the stack's path to it). */
const onHost = (h: BedHost, args: string[]) => run("docker", ["-H", `unix://${h.socket}`, ...args], { timeoutMs: 60_000 });

beforeAll(async () => {
  bed = await startBed(["app", "ml"], log);
  sut = await prepareStack("prod-2022", LABEL, FIXTURE, { "robotoff:hosts": bedHosts(bed), "robotoff:app": { host: "app" } });
  applyError = await applyOnBed(sut, bed, { log, probe: PROBE, used });
}, 1_200_000);

afterAll(async () => {
  await removeFromBed(sut, used, log);
  rmSync(scratch, { recursive: true, force: true });
}, 600_000);

const containerOf = (service: string) => [...sut.containers.values()].find((c) => c.inputs.networksAdvanced[0].aliases[0] === service)!;
const hostOf = (service: string) => bed.host(containerOf(service).resource.provider === "robotoff-host-ml" ? "ml" : "app");

/** Waits until every container with a healthcheck on the bed is past `starting`; returns the seconds it took. */
async function settled(seconds: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const states = await Promise.all(
      [...sut.containers.values()].map(
        async (c) =>
          (
            await onHost(hostOf(c.inputs.networksAdvanced[0].aliases[0]), [
              "inspect",
              "--format",
              "{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}",
              c.inputs.name,
            ])
          ).stdout,
      ),
    );
    if (states.every((s) => s === "healthy" || s === "running")) return Math.round((Date.now() - started) / 1000);
    if (Date.now() - started > seconds * 1000) throw new Error(`not settled after ${seconds} s: ${states.join(", ")}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The stack file with robotoff:hosts.ml changed (what an operator got wrong). */
function withMl(change: Record<string, unknown>): string {
  return stackFileWith(sut.configFile, (config) => Object.assign(config["robotoff:hosts"].ml, change), "Pulumi.prod-2022.yaml", scratch);
}

describe("two hosts over ssh: tf_serving on ml, the app on app", () => {
  it("creates every container on its provider's host, through ssh, and none on this machine's Engine", async () => {
    expect(applyError).toBeUndefined();
    const declared = sut.render.resources.filter((r) => r.type === CONTAINER);
    expect(declared.map((r) => r.provider ?? "the default provider").sort()).toEqual(
      declared.map((r) => (r.inputs.name.endsWith("-tf_serving") ? "robotoff-host-ml" : "robotoff-host-app")).sort(),
    );
    for (const r of declared) {
      const host = hostOf(r.inputs.networksAdvanced[0].aliases[0]);
      const found = await onHost(host, ["inspect", "--format", "{{.State.Status}}", r.inputs.name]);
      expect([r.inputs.name, host.name, found.stdout]).toEqual([r.inputs.name, host.name, "running"]);
    }
    const here = await run("docker", ["ps", "-a", "--filter", `name=${PREFIX}${LABEL}`, "--format", "{{.Names}}"]);
    expect(here.stdout).toBe("");
  });

  it("runs tf_serving healthy on ml, and the app on app reaches it at TF_SERVING_HOST, ml's address (docker/ml.yml on its own VM)", async () => {
    const ml = bed.host("ml");
    expect((await onHost(ml, ["inspect", "--format", "{{.State.Health.Status}}", containerOf("tf_serving").inputs.name])).stdout).toBe("healthy");
    expect(containerOf("workers").inputs.envs).toContain(`TF_SERVING_HOST=${ml.address}`);
    const probe =
      "import os, urllib.request; print(urllib.request.urlopen('http://%s:8501/v1/models/universal-logo-detector' % os.environ['TF_SERVING_HOST'], timeout=10).status)";
    const r = await onHost(bed.host("app"), ["exec", containerOf("workers").inputs.name, "python3", "-c", probe]);
    expect([r.code, r.stdout, r.stderr]).toEqual([0, "200", ""]);
  });

  it("settles with every healthcheck passing, and the api answers the operator at app's address", async () => {
    log(`[figure] two hosts over ssh: every container healthy ${await settled(300)} s after the apply`);
    const url = new URL(sut.render.outputs.apiUrl as string);
    url.hostname = bed.host("app").address;
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    expect([url.href, res.status]).toEqual([url.href, 200]);
  });

  it("livecheck reaches both hosts over ssh: every service UP, the api's health too", async () => {
    const r = await tool("livecheck", []);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    const services = sut.render.resources.filter((x) => x.type === CONTAINER).map((x) => x.inputs.networksAdvanced[0].aliases[0] as string);
    for (const s of services) expect(r.stdout.split("\n")).toContain(`${s}: UP`);
    expect(r.stdout).toMatch(/^api health: UP /m);
  });

  it("ops ps names the host of each service, asked over ssh", async () => {
    const r = await tool("ops", ["ps"]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    const rows = r.stdout
      .split("\n")
      .slice(1)
      .map((l) => l.split(/\s{2,}/));
    const header = r.stdout.split("\n")[0].split(/\s{2,}/);
    const [service, host] = [header.indexOf("SERVICE"), header.indexOf("HOST")];
    expect(host).toBeGreaterThan(0);
    expect(Object.fromEntries(rows.map((x) => [x[service], x[host]]))).toEqual(
      Object.fromEntries(rows.map((x) => [x[service], x[service] === "tf_serving" ? "ml" : "app"])),
    );
    expect(rows.map((x) => x[service]).sort()).toEqual(
      sut.render.resources
        .filter((x) => x.type === CONTAINER)
        .map((x) => x.inputs.networksAdvanced[0].aliases[0])
        .sort(),
    );
  });

  it("ops logs and exec reach tf_serving on ml over ssh", async () => {
    const logs = await tool("ops", ["logs", "tf_serving"]);
    // The stand-in's server logs to stderr, which docker logs keeps apart.
    expect([logs.code, logs.stderr]).toEqual([0, expect.stringContaining("tensorflow_model_server (stand-in): model 'universal-logo-detector': base path")]);
    const exec = await tool("ops", ["exec", "tf_serving", "--", "sh", "-c", "echo $((6 * 7))"]);
    expect([exec.code, exec.stdout]).toEqual([0, "42"]);
  });

  it("doctor checks each host over ssh, by name and url", async () => {
    const r = await tool("doctor", []);
    expect(r.stdout).toMatch(new RegExp(`^OK +app: Docker Engine \\S+ at ${bed.host("app").sshUrl}$`, "m"));
    expect(r.stdout).toMatch(new RegExp(`^OK +ml: Docker Engine \\S+ at ${bed.host("ml").sshUrl}$`, "m"));
    expect(r.stdout).toMatch(/^OK +ml: \S+\/ml\/tf_models\/models\.config exists \(tf_serving\)$/m);
  });
});

describe("what an operator gets wrong with robotoff:hosts, on real hosts: doctor names the host, the key and the fix", () => {
  const ml = () => bed.host("ml");
  /** tf_serving's container on ml, to show that a failed check touched nothing. */
  const tfServingId = async () => (await onHost(ml(), ["inspect", "--format", "{{.Id}} {{.State.Status}}", containerOf("tf_serving").inputs.name])).stdout;
  let before = "";
  beforeAll(async () => {
    before = await tfServingId();
  });

  it("a key the host does not accept", async () => {
    const key = join(scratch, "refused_key");
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
    const opts = bed.sshOpts.map((o) => (o === bed.keyFile ? key : o));
    const file = withMl({ sshOpts: [...opts, "-o", "IdentitiesOnly=yes"] });
    const r = await tool("doctor", [], file);
    expect(r.code).toBe(1);
    // deploy.yml's preflight says the same, before anything is touched.
    const preflight = await tool("doctor", ["--preflight"], file);
    expect([preflight.code, preflight.stdout]).toEqual([
      1,
      expect.stringContaining(`FAIL ml: Docker Engine not reachable at ${ml().sshUrl}: ${ml().address} refused the ssh key`),
    ]);
    expect(r.stdout).toMatch(new RegExp(`^OK +app: Docker Engine `, "m"));
    expect(r.stdout).toContain(
      `FAIL ml: Docker Engine not reachable at ${ml().sshUrl}: ${ml().address} refused the ssh key for ${BED_USER}: check the key that robotoff:hosts.ml.sshOpts names with -i`,
    );
    expect(await tfServingId()).toBe(before);
  });

  it("a host key that is not in known_hosts", async () => {
    const known = join(scratch, "empty_known_hosts");
    writeFileSync(known, "");
    const r = await tool(
      "doctor",
      [],
      withMl({ sshOpts: bed.sshOpts.map((o) => (o === `UserKnownHostsFile=${bed.knownHosts}` ? `UserKnownHostsFile=${known}` : o)) }),
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `FAIL ml: Docker Engine not reachable at ${ml().sshUrl}: ${ml().address}'s host key is not in known_hosts: compare ssh-keyscan ${ml().address}`,
    );
    expect(await tfServingId()).toBe(before);
  });

  it("an address where no host answers: doctor and livecheck say so, the other host is still reported", async () => {
    const nobody = `${ml().address.replace(/\.[0-9]+$/, "")}.99`;
    const file = withMl({ url: `ssh://${BED_USER}@${nobody}`, address: nobody, sshOpts: [...bed.sshOpts, "-o", "ConnectTimeout=3"] });
    const doctor = await tool("doctor", [], file);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toContain(
      `FAIL ml: Docker Engine not reachable at ssh://${BED_USER}@${nobody}: ${nobody} does not answer on ssh port 22: check robotoff:hosts.ml.url's address`,
    );
    const live = await tool("livecheck", [], file);
    expect(live.code).toBe(2);
    expect(live.stdout).toMatch(new RegExp(`^tf_serving: DOWN \\(Docker Engine not reachable at ssh://${BED_USER}@${nobody.replaceAll(".", "\\.")}: `, "m"));
    expect(live.stdout.split("\n")).toContain("postgres: UP");
  });

  it("a host whose dockerd is down: ssh works, doctor and ops say dockerd is the one to start; started again, tf_serving comes back by itself", async () => {
    await stopDockerd(ml());
    try {
      const doctor = await tool("doctor", []);
      expect(doctor.code).toBe(1);
      expect(doctor.stdout).toContain(
        `FAIL ml: Docker Engine not reachable at ${ml().sshUrl}: ssh to ${BED_USER}@${ml().address} works, but the docker CLI there cannot reach its dockerd: start it on ${ml().address}`,
      );
      const ps = await tool("ops", ["ps"]);
      expect([ps.code, ps.stderr]).toEqual([2, expect.stringContaining("but the docker CLI there cannot reach its dockerd")]);
    } finally {
      await startDockerd(ml());
    }
    // restart: always (docker/prod.yml): the Engine starts it again, and its healthcheck passes.
    const started = Date.now();
    let health = "";
    while (Date.now() - started < 120_000 && health !== "healthy") {
      await new Promise((r) => setTimeout(r, 1000));
      health = (await onHost(ml(), ["inspect", "--format", "{{.State.Health.Status}}", containerOf("tf_serving").inputs.name])).stdout;
    }
    log(`[figure] two hosts over ssh: tf_serving healthy again ${Math.round((Date.now() - started) / 1000)} s after ml's dockerd started (restart: always)`);
    expect(health).toBe("healthy");
    const live = await tool("livecheck", []);
    expect([live.code, live.stdout]).toEqual([0, expect.stringContaining("tf_serving: UP")]);
  });
});
