/**
 * The preflight: its checks on recorded probe answers, the plan it reads from the StackSpec (in-process),
 * and `npm run doctor` end to end with a stand-in docker CLI.
 */
import { runScript } from "../../script";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { diskFinding, hostPlans, placeholderFindings, planChecks, type HostPlan, type Probe, type Probes } from "../../../tools/doctor/checks";
import { planStackFile } from "../../../tools/shared/stack-file";
import { PROJECT_DIR, stackFileWith } from "../../harness";
import { main } from "../../../tools/doctor";
import { runMain } from "../../in-process";

const ok = (stdout = ""): Probe => ({ code: 0, stdout, stderr: "" });
const failed = (code: number, stderr: string): Probe => ({ code, stdout: "", stderr });
const GIB24 = String(24 * 1024 ** 3);
const TWO_HOSTS = join(__dirname, "../../fixtures/Pulumi.prod-two-hosts.yaml");

function probes(over: Partial<Probes> = {}): Probes {
  return {
    pulumi: async () => ok("v3.200.0"),
    engine: async () => ok("28.2.2"),
    memTotal: async () => ok(GIB24),
    volume: async () => ok("[]"),
    network: async () => ok("[]"),
    containerPorts: async () => ok(""),
    inProbe: async (_url, _image, command) => ok(command[0] === "cat" ? "262144" : command[0] === "df" ? dfOf(40) : ""),
    ...over,
  };
}

const plan = (over: Partial<HostPlan> = {}): HostPlan => ({
  host: "local",
  probeImage: "postgres:11.2-alpine",
  services: ["api", "elasticsearch", "tf_serving"],
  containers: ["robotoff-api", "robotoff-elasticsearch", "robotoff-tf_serving"],
  binds: [
    { hostPath: "/srv/robotoff/datasets", mounts: [{ service: "api", containerPath: "/opt/robotoff/datasets" }] },
    { hostPath: "/srv/robotoff/tf_models", mounts: [{ service: "tf_serving", containerPath: "/models" }] },
  ],
  ports: [],
  externalVolumes: [],
  externalNetworks: [],
  elasticsearchUlimits: [
    { name: "memlock", soft: -1, hard: -1 },
    { name: "nofile", soft: 262144, hard: 262144 },
  ],
  memoryMb: 32768,
  ...over,
});
/** `df -Pk /` of a 100 GB disk that is `percent` % full. */
const dfOf = (percent: number) =>
  `Filesystem 1024-blocks Used Available Capacity Mounted on\noverlay 104857600 ${percent * 1048576} ${(100 - percent) * 1048576} ${percent}% /`;
const lines = (findings: { level: string; subject: string; message: string }[]) => findings.map((f) => `${f.level} ${f.subject}: ${f.message}`);

describe("doctor checks", () => {
  it("passes a ready host, one line per check", async () => {
    const findings = await planChecks([plan({ memoryMb: 2048 })], probes());
    expect(lines(findings)).toEqual([
      "OK pulumi: CLI v3.200.0",
      "OK local: Docker Engine 28.2.2",
      "OK local: /srv/robotoff/datasets exists (api)",
      "OK local: /srv/robotoff/tf_models exists (tf_serving)",
      "OK local: /srv/robotoff/tf_models/models.config exists (tf_serving)",
      "OK local: the Engine's data root (volumes, images) is 40 % full, 60.0 GB free",
      "OK local: vm.max_map_count is 262144",
      "OK local: the Engine grants Elasticsearch's ulimits (memlock=-1:-1 nofile=262144:262144)",
      "OK local: memory limits add up to 2048 MB of the host's 24576 MB",
    ]);
  });
  it("warns past Elasticsearch's low disk watermark (85 %) and fails at its flood stage (95 %), with a fix that keeps the stack's stopped containers", () => {
    const at = (percent: number) => diskFinding("local", ok(dfOf(percent)));
    expect(at(84).level).toBe("OK");
    expect(at(85)).toEqual({
      level: "WARN",
      subject: "local",
      message:
        "the Engine's data root (volumes, images) is 85 % full, 15.0 GB free: Elasticsearch allocates no new shard past 85 %; free space on it (docker image prune -a removes unused images; not docker system prune, which also removes the stopped containers the stack keeps)",
    });
    expect(at(94).level).toBe("WARN");
    expect(at(95).level).toBe("FAIL");
    expect(at(95).message).toMatch(/is 95 % full, 5\.0 GB free: Elasticsearch makes its indices read-only at 95 %; free space on it/);
    // df's rounding: 84.1 % used reads as 85 %.
    expect(diskFinding("local", ok("F 1 U A C M\noverlay 1000 841 159 85% /")).message).toMatch(/is 85 % full/);
    expect(diskFinding("ml", failed(1, "df: /: No such file"))).toEqual({
      level: "WARN",
      subject: "ml",
      message: "could not read the free disk space of the Engine's data root (df: /: No such file)",
    });
    expect(diskFinding("ml", ok("")).message).toBe("could not read the free disk space of the Engine's data root (no df output)");
  });
  it("fails without the Pulumi CLI", async () => {
    const findings = await planChecks([], probes({ pulumi: async () => failed(-1, "spawn pulumi ENOENT") }));
    expect(findings).toEqual([{ level: "FAIL", subject: "pulumi", message: expect.stringContaining("install it") }]);
  });
  it("reports an unreachable Engine in one line and skips that host's checks", async () => {
    const engine = async () => failed(1, "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?");
    const findings = await planChecks([plan()], probes({ engine }));
    expect(findings.filter((f) => f.subject === "local")).toEqual([
      {
        level: "FAIL",
        subject: "local",
        message: "Docker Engine not reachable: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
      },
    ]);
  });
  it("fails a missing bind-mount folder, and says why it matters", async () => {
    const inProbe: Probes["inProbe"] = async (_u, _i, command, r) =>
      r?.mounts?.[0]?.hostPath === "/srv/robotoff/datasets"
        ? failed(125, 'docker: Error response from daemon: invalid mount config for type "bind": bind source path does not exist: /srv/robotoff/datasets.')
        : ok(command[0] === "cat" ? "262144" : "");
    const findings = await planChecks([plan()], probes({ inProbe }));
    expect(findings.find((f) => f.message.includes("datasets"))).toEqual({
      level: "FAIL",
      subject: "local",
      message:
        "/srv/robotoff/datasets is missing (api mounts it at /opt/robotoff/datasets; Docker would create it empty and root-owned): create it on the host",
    });
  });
  it("fails a models folder without models.config", async () => {
    const inProbe: Probes["inProbe"] = async (_u, _i, command) => (command[0] === "test" ? failed(1, "") : ok("262144"));
    const findings = await planChecks([plan()], probes({ inProbe }));
    expect(findings.find((f) => f.message.includes("models.config"))?.level).toBe("FAIL");
  });
  it("fails a low vm.max_map_count where Elasticsearch runs, and checks nothing of the kind elsewhere", async () => {
    const inProbe: Probes["inProbe"] = async (_u, _i, command) => ok(command[0] === "cat" ? "65530" : "");
    const low = await planChecks([plan()], probes({ inProbe }));
    expect(low.find((f) => f.message.startsWith("vm.max_map_count"))).toMatchObject({
      level: "FAIL",
      message: expect.stringContaining("sysctl -w vm.max_map_count=262144"),
    });
    const noEs = await planChecks([plan({ services: ["tf_serving"], elasticsearchUlimits: undefined })], probes({ inProbe }));
    expect(noEs.some((f) => f.message.includes("max_map_count") || f.message.includes("ulimits"))).toBe(false);
  });
  it("warns when the memory limits add up to more than the host has", async () => {
    const findings = await planChecks([plan({ memoryMb: 32768 })], probes());
    expect(findings.at(-1)).toMatchObject({ level: "WARN", message: expect.stringContaining("32768 MB of the host's 24576 MB") });
  });
  it("probes each host at its own address", async () => {
    const seen: (string | undefined)[] = [];
    await planChecks(
      [plan(), plan({ host: "ml", url: "ssh://deploy@ml", binds: [], services: [] })],
      probes({ engine: async (url) => (seen.push(url), ok("28")) }),
    );
    expect(seen).toEqual([undefined, "ssh://deploy@ml"]);
  });

  // issue 11, item 5
  it("fails a missing external volume, with the command that creates it", async () => {
    const volume: Probes["volume"] = async (_u, name) => (name === "es-data" ? failed(1, "Error response from daemon: get es-data: no such volume") : ok("[]"));
    const findings = await planChecks([plan({ externalVolumes: ["postgres-data", "es-data"] })], probes({ volume }));
    expect(lines(findings).filter((l) => l.includes(": volume "))).toEqual([
      "OK local: volume postgres-data exists",
      "FAIL local: volume es-data is missing: the stack reads it and never creates it; docker volume create es-data",
    ]);
  });
  it("fails a missing Product Opener network", async () => {
    const network: Probes["network"] = async () => failed(1, "Error response from daemon: network po_default not found");
    const findings = await planChecks([plan({ externalNetworks: ["po_default"] })], probes({ network }));
    expect(findings.find((f) => f.message.includes("po_default"))).toMatchObject({
      level: "FAIL",
      message: expect.stringContaining("start Product Opener's stack first"),
    });
  });
  it("fails a host port another container holds, on any overlapping address, and ignores the stack's own containers", async () => {
    const containerPorts = async () =>
      ok(["old_postgres_1\t0.0.0.0:5432->5432/tcp, :::5432->5432/tcp", "robotoff-api\t0.0.0.0:5500->5500/tcp", "other\t127.0.0.1:9102->9102/tcp"].join("\n"));
    const ports = [
      { service: "postgres" as const, ip: "127.0.0.1", port: 5432 },
      { service: "api" as const, port: 5500 },
      { service: "statsd" as const, ip: "127.0.0.1", port: 9102 },
      { service: "tf_serving" as const, ip: "127.0.0.1", port: 8500 },
    ];
    const findings = await planChecks([plan({ ports })], probes({ containerPorts }));
    expect(lines(findings).filter((l) => l.includes("port "))).toEqual([
      "FAIL local: port 127.0.0.1:5432 (postgres) is held by container old_postgres_1 (0.0.0.0:5432): stop it (an old compose stack: docker-compose down, without -v) or publish postgres elsewhere",
      "OK local: port 5500 is free (api)",
      "FAIL local: port 127.0.0.1:9102 (statsd) is held by container other (127.0.0.1:9102): stop it (an old compose stack: docker-compose down, without -v) or publish statsd elsewhere",
      "OK local: port 127.0.0.1:8500 is free (tf_serving)",
    ]);
  });
  it("says in one line that the probes cannot run when the probe image cannot be pulled, instead of calling every folder missing", async () => {
    const noImage = failed(
      125,
      [
        "Unable to find image 'postgres:11.2-alpine' locally",
        'docker: Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host.',
        "See 'docker run --help'.",
      ].join("\n"),
    );
    const findings = await planChecks([plan({ memoryMb: 1024 })], probes({ inProbe: async () => noImage }));
    expect(lines(findings)).toEqual([
      "OK pulumi: CLI v3.200.0",
      "OK local: Docker Engine 28.2.2",
      'FAIL local: cannot run probes in postgres:11.2-alpine (docker: Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host.): the folder, disk, vm.max_map_count and ulimit checks did not run; the deploy needs this image too',
      "OK local: memory limits add up to 1024 MB of the host's 24576 MB",
    ]);
  });

  // issue 9
  it("fails when the Engine cannot grant Elasticsearch's ulimits, with both fixes", async () => {
    const inProbe: Probes["inProbe"] = async (_u, _i, command, r) =>
      r?.ulimits?.some((u) => u.name === "memlock")
        ? failed(
            126,
            "docker: Error response from daemon: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error setting rlimit type 8: operation not permitted: unknown.",
          )
        : ok(command[0] === "cat" ? "262144" : "");
    const finding = (await planChecks([plan()], probes({ inProbe }))).find((f) => f.message.includes("ulimits"));
    expect(finding?.level).toBe("FAIL");
    expect(finding?.message).toContain("error setting rlimit type 8: operation not permitted");
    expect(finding?.message).toContain("LimitMEMLOCK");
    expect(finding?.message).toContain("pulumi config set --path robotoff:elasticsearch.memoryLock false");
  });
  it("warns, one line each, about the variables that move where the providers connect", async () => {
    const env = { DOCKER_HOST: "ssh://me@elsewhere", DOCKER_CONTEXT: "staging", DOCKER_CERT_PATH: "/certs", DOCKER_SSH_OPTS: "-i key", HOME: "/home/me" };
    const findings = await planChecks([], probes(), env);
    expect(findings.filter((f) => f.subject === "environment").map((f) => `${f.level} ${f.message.split(":")[0]}`)).toEqual([
      "WARN DOCKER_HOST is set",
      "WARN DOCKER_CONTEXT is set",
      "WARN DOCKER_CERT_PATH is set",
      "WARN DOCKER_SSH_OPTS is set",
    ]);
    expect((await planChecks([], probes(), { HOME: "/home/me" })).some((f) => f.subject === "environment")).toBe(false);
  });
});

describe("what doctor checks, read from the StackSpec", () => {
  it("places each service, folder, port, volume and ulimit on its host (two-host prod)", () => {
    const [local, ml] = hostPlans(planStackFile(PROJECT_DIR, "prod-2022", TWO_HOSTS).plan);
    expect(local.host).toBe("local");
    expect(local.url).toBeUndefined();
    expect(local.services).not.toContain("tf_serving");
    expect(local.probeImage).toBe("postgres:11.2-alpine");
    expect(local.externalVolumes).toEqual(["postgres-data", "es-data"]);
    expect(local.ports.map((p) => p.port).sort()).toEqual([5432, 5500, 9102]);
    expect(local.elasticsearchUlimits).toEqual([
      { name: "memlock", soft: -1, hard: -1 },
      { name: "nofile", soft: 262144, hard: 262144 },
    ]);
    expect(ml).toMatchObject({
      host: "ml",
      url: "ssh://deploy@ml.openfoodfacts.org",
      services: ["tf_serving"],
      probeImage: "tensorflow/serving:2.4.0",
      externalVolumes: [],
    });
    expect(ml.binds).toEqual([{ hostPath: "/srv/robotoff-ml/tf_models", mounts: [{ service: "tf_serving", containerPath: "/models" }] }]);
    expect(ml.elasticsearchUlimits).toBeUndefined();
    expect(ml.containers).toEqual(["robotoff-tf_serving"]);
  });
  it("lists each shared folder once, and the Product Opener network in dev", () => {
    const [local] = hostPlans(planStackFile(PROJECT_DIR, "dev-2022").plan);
    const paths = local.binds.map((b) => b.hostPath);
    expect(new Set(paths).size).toBe(paths.length);
    expect(local.binds.find((b) => b.hostPath === "/srv/robotoff/tf_models")?.mounts.map((m) => m.service)).toEqual([
      "api",
      "workers",
      "scheduler",
      "tf_serving",
    ]);
    expect(local.externalNetworks).toEqual(["po_default"]);
    expect(local.externalVolumes).toEqual([]); // dev creates its volumes
  });
  it("fails the placeholder secrets and app tag of a shipped stack file, and nothing in dev", () => {
    const prod = planStackFile(PROJECT_DIR, "prod-2022");
    const messages = placeholderFindings(prod.runtime, prod.plan).map((f) => f.message);
    expect(messages).toHaveLength(8);
    expect(messages).toContain(
      "robotoff:app.tag is the placeholder sha-0000000000000000000000000000000000000000: pulumi config set --path 'robotoff:app.tag' sha-<commit> --stack prod-2022",
    );
    expect(messages.some((m) => m.startsWith("robotoff:slackToken is a placeholder") && m.includes("pulumi config set --secret 'robotoff:slackToken'"))).toBe(
      true,
    );
    const dev = planStackFile(PROJECT_DIR, "dev-2022");
    expect(placeholderFindings(dev.runtime, dev.plan)).toEqual([]);
  });
});

/** In this worker (test/in-process.ts); the last test runs the command as a process, for its exit status. */
const doctor = (env: NodeJS.ProcessEnv, ...args: string[]) => runMain(main, args, env);
const doctorProcess = (env: NodeJS.ProcessEnv, ...args: string[]) => runScript("doctor", args, { env });

describe("npm run doctor", () => {
  const fakes = {
    ROBOTOFF_DOCKER_CLI: join(__dirname, "../../fixtures/fake-docker.sh"),
    ROBOTOFF_PULUMI_CLI: join(__dirname, "../../fixtures/fake-pulumi.sh"),
  };
  it("checks every host of a two-host prod and exits 1 on what blocks the deploy", async () => {
    const run = await doctor(
      { ...fakes, FAKE_MISSING: "/srv/robotoff-ml/tf_models", FAKE_MAX_MAP: "65530" },
      "--stack",
      "prod-2022",
      "--config-file",
      TWO_HOSTS,
    );
    expect(run.code).toBe(1);
    const lines = run.stdout.trim().split("\n");
    expect(lines).toContain("OK   pulumi: CLI v3.200.0");
    expect(lines).toContain("OK   local: Docker Engine 28.2.2");
    expect(lines).toContain("OK   ml: Docker Engine 28.2.2 at ssh://deploy@ml.openfoodfacts.org");
    expect(lines.some((l) => l.startsWith("FAIL ml: /srv/robotoff-ml/tf_models is missing (tf_serving"))).toBe(true);
    expect(lines.some((l) => l.startsWith("FAIL local: vm.max_map_count is 65530"))).toBe(true);
    expect(lines.filter((l) => l.includes("vm.max_map_count")).length).toBe(1); // Elasticsearch runs on local only
  });
  // dev builds the app image from hostRoot on this machine: the dev stack file, with a checkout that has its Dockerfile.
  const checkout = mkdtempSync(join(tmpdir(), "robotoff-checkout-"));
  writeFileSync(join(checkout, "Dockerfile"), "FROM python:3.7-slim\n");
  const devFile = stackFileWith(join(PROJECT_DIR, "Pulumi.dev-2022.yaml"), (config) => (config["robotoff:hostRoot"] = checkout));
  afterAll(() => rmSync(checkout, { recursive: true, force: true }));

  it("exits 0 on a ready dev host", async () => {
    const run = await doctor(fakes, "--stack", "dev-2022", "--config-file", devFile);
    expect(run.stdout).toContain(`OK   config: robotoff:hostRoot ${checkout} has a Dockerfile`);
    expect(run.stdout).not.toContain("FAIL");
    expect(run.code).toBe(0);
  });
  it("says in one line per host that no Docker Engine is reachable", async () => {
    const run = await doctorProcess(
      { ROBOTOFF_PULUMI_CLI: fakes.ROBOTOFF_PULUMI_CLI, DOCKER_HOST: "unix:///nonexistent/docker.sock" },
      "--stack",
      "dev",
      "--config-file",
      devFile,
    );
    expect(run.code).toBe(1);
    expect(run.stdout.trim().split("\n")).toEqual([
      `OK   config: robotoff:hostRoot ${checkout} has a Dockerfile (dev.enabled builds openfoodfacts/robotoff:dev from it)`,
      "WARN environment: DOCKER_HOST is set: the stack's local host is the Engine at unix:///nonexistent/docker.sock, for the providers and for these checks",
      "OK   pulumi: CLI v3.200.0",
      expect.stringMatching(/^FAIL local: Docker Engine not reachable: /),
    ]);
  });
});

describe("npm run doctor -- --preflight (deploy.yml, before anything is touched)", () => {
  const dir = mkdtempSync(join(tmpdir(), "robotoff-preflight-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const fake = (env: NodeJS.ProcessEnv = {}) => ({
    ROBOTOFF_DOCKER_CLI: join(__dirname, "../../fixtures/fake-docker.sh"),
    FAKE_LOG: join(dir, `calls-${Math.random()}`),
    ...env,
  });
  const calls = (env: NodeJS.ProcessEnv) => readFileSync(env.FAKE_LOG!, "utf8").trim().split("\n");

  it("asks each host's Engine for its version, and nothing else (no probe runs, no placeholder or Pulumi check)", async () => {
    const env = fake();
    const r = await doctor(env, "--stack", "prod-2022", "--config-file", TWO_HOSTS, "--preflight");
    expect([r.code, r.stdout.trim().split("\n")]).toEqual([
      0,
      ["OK   local: Docker Engine 28.2.2", "OK   ml: Docker Engine 28.2.2 at ssh://deploy@ml.openfoodfacts.org"],
    ]);
    expect(calls(env)).toEqual(["default version", "ssh://deploy@ml.openfoodfacts.org version"]);
  });

  it("on Swarm, then checks that exactly one node carries each pinned service's label, naming the config key", async () => {
    const labels = join(dir, "labels");
    writeFileSync(labels, "robotoff.postgres=true db1\nrobotoff.ml=true ml1\nrobotoff.ml=true ml2\n");
    const env = fake({ FAKE_NODE_LABELS: labels });
    const r = await doctor(env, "--stack", "staging-2022", "--config-file", join(__dirname, "../../fixtures/Pulumi.staging-swarm.yaml"), "--preflight");
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toContain("OK   postgres: pinned to node db1 (robotoff.postgres=true)");
    expect(lines).toContain(
      "FAIL elasticsearch: 0 nodes carry robotoff.elasticsearch=true: exactly one must, the one with its data " +
        "(docker node update --label-add robotoff.elasticsearch=true <node>, or set robotoff:swarm.nodeLabels.elasticsearch to the label that node carries)",
    );
    expect(lines.some((l) => l.startsWith("FAIL tf_serving: 2 nodes carry robotoff.ml=true (ml1, ml2)"))).toBe(true);
    // Asked of the manager only: no one-off service (the full doctor's Elasticsearch probe) is created.
    expect(calls(env).filter((c) => !/^default (version|node)$/.test(c))).toEqual([]);
  });

  /** doctor on the swarm fixture, through the real docker CLI, with no Engine behind DOCKER_HOST. */
  const withoutManager = (...extra: string[]) =>
    doctor(
      fake({ DOCKER_HOST: "unix:///nonexistent/docker.sock", ROBOTOFF_DOCKER_CLI: "docker" }),
      "--stack",
      "staging",
      "--config-file",
      join(__dirname, "../../fixtures/Pulumi.staging-swarm.yaml"),
      ...extra,
    );

  it("skips the label check when the manager does not answer, and fails on that", async () => {
    const r = await withoutManager("--preflight");
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split("\n")).toEqual([expect.stringMatching(/^FAIL local: Docker Engine not reachable: /)]);
  });

  it("on Swarm without --preflight too: a manager that does not answer is said, and nothing else (issue 26)", async () => {
    const r = await withoutManager();
    expect(r.code).toBe(1);
    // The fixture's placeholders are said first; of the swarm, only that its manager does not answer.
    const swarm = r.stdout
      .trim()
      .split("\n")
      .filter((l) => !l.startsWith("FAIL config: "));
    expect(swarm).toEqual([expect.stringMatching(/^FAIL local: Docker Engine not reachable: /)]);
  });

  it("refuses an unknown switch, naming --preflight in the usage", async () => {
    const r = await doctor(fake(), "--stack", "prod-2022", "--preflite");
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining("usage: npm run doctor -- --stack <name> [--config-file <path>] [--preflight]")]);
  });
});
