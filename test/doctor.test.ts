/** The preflight: its checks on recorded probe answers, and `npm run doctor` end to end with a stand-in docker CLI. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { planChecks, type HostPlan, type Probe, type Probes } from "../tools/doctor-checks";
import { run } from "../tools/command";
import { PROJECT_DIR } from "./harness";

const ok = (stdout = ""): Probe => ({ code: 0, stdout, stderr: "" });
const GIB24 = String(24 * 1024 ** 3);

function probes(over: Partial<Probes> = {}): Probes {
  return {
    pulumi: async () => ok("v3.200.0"),
    engine: async () => ok("28.2.2"),
    memTotal: async () => ok(GIB24),
    inProbe: async (_url, _mounts, command) => ok(command[0] === "cat" ? "262144" : ""),
    ...over,
  };
}

const plan = (over: Partial<HostPlan> = {}): HostPlan => ({
  host: "local",
  binds: [
    { service: "api", hostPath: "/srv/robotoff/datasets", containerPath: "/opt/robotoff/datasets" },
    { service: "tf_serving", hostPath: "/srv/robotoff/tf_models", containerPath: "/models" },
  ],
  memoryMb: 32768,
  services: ["api", "elasticsearch", "tf_serving"],
  ...over,
});

describe("doctor checks", () => {
  it("passes a ready host, one line per check", async () => {
    const findings = await planChecks([plan({ memoryMb: 2048 })], probes());
    expect(findings.map((f) => `${f.level} ${f.subject}: ${f.message}`)).toEqual([
      "OK pulumi: CLI v3.200.0",
      "OK local: Docker Engine 28.2.2",
      "OK local: /srv/robotoff/datasets exists (api)",
      "OK local: /srv/robotoff/tf_models exists (tf_serving)",
      "OK local: /srv/robotoff/tf_models/models.config exists (tf_serving)",
      "OK local: vm.max_map_count is 262144",
      "OK local: memory limits add up to 2048 MB of the host's 24576 MB",
    ]);
  });
  it("fails without the Pulumi CLI", async () => {
    const findings = await planChecks([], probes({ pulumi: async () => ({ code: -1, stdout: "", stderr: "spawn pulumi ENOENT" }) }));
    expect(findings).toEqual([{ level: "FAIL", subject: "pulumi", message: expect.stringContaining("install it") }]);
  });
  it("reports an unreachable Engine in one line and skips that host's checks", async () => {
    const engine = async () => ({ code: 1, stdout: "", stderr: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" });
    const findings = await planChecks([plan()], probes({ engine }));
    expect(findings.filter((f) => f.subject === "local")).toEqual([
      { level: "FAIL", subject: "local", message: "Docker Engine not reachable: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" },
    ]);
  });
  it("fails a missing bind-mount folder, and says why it matters", async () => {
    const inProbe: Probes["inProbe"] = async (_u, mounts, command) =>
      mounts[0]?.hostPath === "/srv/robotoff/datasets"
        ? { code: 125, stdout: "", stderr: "docker: Error response from daemon: invalid mount config for type \"bind\": bind source path does not exist: /srv/robotoff/datasets." }
        : ok(command[0] === "cat" ? "262144" : "");
    const findings = await planChecks([plan()], probes({ inProbe }));
    expect(findings.find((f) => f.message.includes("datasets"))).toEqual({
      level: "FAIL",
      subject: "local",
      message: "/srv/robotoff/datasets is missing (api mounts it at /opt/robotoff/datasets; Docker would create it empty and root-owned): create it on the host",
    });
  });
  it("fails a models folder without models.config", async () => {
    const inProbe: Probes["inProbe"] = async (_u, _m, command) => (command[0] === "test" ? { code: 1, stdout: "", stderr: "" } : ok("262144"));
    const findings = await planChecks([plan()], probes({ inProbe }));
    expect(findings.find((f) => f.message.includes("models.config"))?.level).toBe("FAIL");
  });
  it("fails a low vm.max_map_count where Elasticsearch runs, and checks nothing of the kind elsewhere", async () => {
    const inProbe: Probes["inProbe"] = async (_u, _m, command) => ok(command[0] === "cat" ? "65530" : "");
    const low = await planChecks([plan()], probes({ inProbe }));
    expect(low.find((f) => f.message.startsWith("vm.max_map_count"))).toMatchObject({ level: "FAIL", message: expect.stringContaining("sysctl -w vm.max_map_count=262144") });
    const noEs = await planChecks([plan({ services: ["tf_serving"] })], probes({ inProbe }));
    expect(noEs.some((f) => f.message.includes("max_map_count"))).toBe(false);
  });
  it("warns when the memory limits add up to more than the host has", async () => {
    const findings = await planChecks([plan({ memoryMb: 32768 })], probes());
    expect(findings.at(-1)).toMatchObject({ level: "WARN", message: expect.stringContaining("32768 MB of the host's 24576 MB") });
  });
  it("probes each host at its own address", async () => {
    const seen: (string | undefined)[] = [];
    await planChecks([plan(), plan({ host: "ml", url: "ssh://deploy@ml", binds: [], services: [] })], probes({ engine: async (url) => (seen.push(url), ok("28")) }));
    expect(seen).toEqual([undefined, "ssh://deploy@ml"]);
  });
});

const doctor = (env: NodeJS.ProcessEnv, ...args: string[]) =>
  run("npm", ["run", "--silent", "doctor", "--", ...args], { cwd: PROJECT_DIR, env });

describe("npm run doctor", () => {
  const fakes = {
    ROBOTOFF_DOCKER_CLI: join(__dirname, "fixtures/fake-docker.sh"),
    ROBOTOFF_PULUMI_CLI: join(__dirname, "fixtures/fake-pulumi.sh"),
  };
  it("checks every host of a two-host prod and exits 1 on what blocks the deploy", async () => {
    const run = await doctor(
      { ...fakes, FAKE_MISSING: "/srv/robotoff-ml/tf_models", FAKE_MAX_MAP: "65530" },
      "--stack", "prod", "--config-file", join(__dirname, "fixtures/Pulumi.prod-two-hosts.yaml"),
    );
    expect(run.code).toBe(1);
    const lines = run.stdout.trim().split("\n");
    expect(lines[0]).toBe("OK   pulumi: CLI v3.200.0");
    expect(lines).toContain("OK   local: Docker Engine 28.2.2");
    expect(lines).toContain("OK   ml: Docker Engine 28.2.2 at ssh://deploy@ml.openfoodfacts.org");
    expect(lines.some((l) => l.startsWith("FAIL ml: /srv/robotoff-ml/tf_models is missing (tf_serving"))).toBe(true);
    expect(lines.some((l) => l.startsWith("FAIL local: vm.max_map_count is 65530"))).toBe(true);
    expect(lines.filter((l) => l.includes("vm.max_map_count")).length).toBe(1); // Elasticsearch runs on local only
  });
  it("exits 0 on a ready dev host", async () => {
    const run = await doctor(fakes, "--stack", "dev");
    expect(run.stdout).not.toContain("FAIL");
    expect(run.code).toBe(0);
  });
  it("says in one line per host that no Docker Engine is reachable", async () => {
    const run = await doctor({ ROBOTOFF_PULUMI_CLI: fakes.ROBOTOFF_PULUMI_CLI, DOCKER_HOST: "unix:///nonexistent/docker.sock" }, "--stack", "dev");
    expect(run.code).toBe(1);
    expect(run.stdout.trim().split("\n")).toEqual(["OK   pulumi: CLI v3.200.0", expect.stringMatching(/^FAIL local: Docker Engine not reachable: /)]);
  });
});
