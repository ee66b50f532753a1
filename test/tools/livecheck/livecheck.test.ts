/** livecheck: recorded `docker inspect` output in the Engine's format, and the CLI end to end. */
import { createServer, type Server } from "node:http";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assess, type InspectedContainer } from "../../../tools/targets/containers/check";
import { formatVerdict } from "../../../tools/livecheck/verdict";
import { type DeclaredContainer } from "../../../tools/targets/target";
import { apiHealthTarget, main } from "../../../tools/livecheck";
import { declaredContainers } from "../../../tools/targets/target";
import { runMain } from "../../in-process";
import { planStackFile } from "../../../tools/shared/stack-file";
import { run } from "../../../tools/shared/command";
import { dockerFailingFor, PROJECT_DIR } from "../../harness";

const HEALTHY = join(__dirname, "../../fixtures/docker-inspect/dev-healthy.json");
const recorded = (): InspectedContainer[] => JSON.parse(readFileSync(HEALTHY, "utf8"));
const SERVICES = ["api", "workers", "scheduler", "postgres", "elasticsearch", "tf_serving"];
const declared: DeclaredContainer[] = SERVICES.map((service) => ({
  service,
  name: `robotoff-${service}`,
  hasHealthcheck: !["workers", "scheduler"].includes(service),
}));
const edit = (service: string, change: (c: any) => void) =>
  recorded().map((c) => {
    if (c.Name === `/robotoff-${service}`) change(c);
    return c;
  });

describe("assess", () => {
  it("says UP for every running and healthy container", () => {
    expect(assess(declared, recorded()).map(formatVerdict)).toEqual(SERVICES.map((s) => `${s}: UP`));
  });
  it("says DOWN with the last healthcheck output for an unhealthy container", () => {
    const inspected = edit("postgres", (c) => {
      c.State.Health = {
        Status: "unhealthy",
        FailingStreak: 6,
        Log: [{ Start: "x", End: "y", ExitCode: 2, Output: "127.0.0.1:5432 - no response\n" }],
      };
    });
    expect(assess(declared, inspected).find((v) => v.service === "postgres")).toEqual({
      service: "postgres",
      up: false,
      detail: "unhealthy: 127.0.0.1:5432 - no response",
    });
  });
  it("says DOWN while a healthcheck is still starting", () => {
    const inspected = edit("elasticsearch", (c) => (c.State.Health = { Status: "starting", FailingStreak: 0, Log: [] }));
    expect(formatVerdict(assess(declared, inspected)[4])).toBe("elasticsearch: DOWN (starting)");
  });
  it("says why a container is not running", () => {
    const exited = edit("api", (c) => Object.assign(c.State, { Status: "exited", Running: false, ExitCode: 137, OOMKilled: true }));
    expect(formatVerdict(assess(declared, exited)[0])).toBe("api: DOWN (exited, killed: out of memory)");
    const restarting = edit("workers", (c) => Object.assign(c.State, { Status: "restarting", Running: false, Restarting: true, ExitCode: 1 }));
    expect(formatVerdict(assess(declared, restarting)[1])).toBe("workers: DOWN (restarting, exit code 1)");
  });
  it("says UP for a container robotoff:stopped keeps stopped, and DOWN when it runs all the same", () => {
    const kept = declared.map((d) => (d.service === "scheduler" ? { ...d, stopped: true } : d));
    const exited = edit("scheduler", (c) => Object.assign(c.State, { Status: "exited", Running: false, ExitCode: 0 }));
    expect(formatVerdict(assess(kept, exited)[2])).toBe("scheduler: UP (stopped by robotoff:stopped)");
    expect(formatVerdict(assess(kept, recorded())[2])).toBe("scheduler: DOWN (stopped by robotoff:stopped, yet running)");
  });
  it("takes which containers robotoff:stopped keeps stopped from the spec", () => {
    const file = join(mkdtempSync(join(tmpdir(), "robotoff-livecheck-stopped-")), "Pulumi.prod.yaml");
    writeFileSync(file, `${readFileSync(join(PROJECT_DIR, "Pulumi.prod.yaml"), "utf8")}  robotoff:stopped: [scheduler]\n`);
    const placed = declaredContainers(planStackFile(PROJECT_DIR, "prod", file).plan);
    expect(placed.filter((p) => p.stopped).map((p) => p.service)).toEqual(["scheduler"]);
  });
  it("says DOWN for a declared container the host does not have", () => {
    const inspected = recorded().filter((c) => c.Name !== "/robotoff-scheduler");
    expect(formatVerdict(assess(declared, inspected)[2])).toBe("scheduler: DOWN (no container robotoff-scheduler)");
  });
  it("says DOWN for a container that should have a healthcheck and runs without one", () => {
    const inspected = edit("tf_serving", (c) => delete c.State.Health);
    expect(assess(declared, inspected)[5].up).toBe(false);
  });
});

describe("what livecheck checks, read from the StackSpec", () => {
  const TWO_HOSTS = join(__dirname, "../../fixtures/Pulumi.prod-two-hosts.yaml");
  it("declares each service's container on its own host, with its healthcheck presence", () => {
    const declared = declaredContainers(planStackFile(PROJECT_DIR, "prod", TWO_HOSTS).plan);
    expect(declared.find((d) => d.service === "tf_serving")).toEqual({
      service: "tf_serving",
      name: "robotoff-tf_serving",
      hasHealthcheck: true,
      host: "ml",
      url: "ssh://deploy@ml.openfoodfacts.org",
    });
    expect(declared.find((d) => d.service === "workers")).toEqual({ service: "workers", name: "robotoff-workers", hasHealthcheck: false, host: "local" });
    expect(declared.map((d) => d.service)).toEqual([
      "api",
      "elasticsearch",
      "postgres",
      "postgres_backup",
      "postgres_exporter",
      "scheduler",
      "statsd",
      "tf_serving",
      "workers",
    ]);
  });
  // issue 11, item 6
  it("checks the api at the address the stack publishes it on, loopback for every interface", () => {
    const file = join(mkdtempSync(join(tmpdir(), "robotoff-live-")), "Pulumi.dev.yaml");
    writeFileSync(file, readFileSync(join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8").replace("http: 127.0.0.1:5500", "http: 172.17.0.1:5500"));
    expect(apiHealthTarget(planStackFile(PROJECT_DIR, "dev", file).plan)).toEqual({
      url: "http://172.17.0.1:5500/api/v1/health",
      image: "openfoodfacts/robotoff:dev",
      service: "api",
    });
    expect(apiHealthTarget(planStackFile(PROJECT_DIR, "prod").plan)?.url).toBe("http://127.0.0.1:5500/api/v1/health");
  });
});

/** In this worker (test/in-process.ts); the one without a docker CLI runs as a process, for its exit status. */
const livecheck = (env: NodeJS.ProcessEnv, ...args: string[]) => runMain(main, args, env);
const livecheckProcess = (env: NodeJS.ProcessEnv, ...args: string[]) => run("npm", ["run", "--silent", "livecheck", "--", ...args], { cwd: PROJECT_DIR, env });

describe("npm run livecheck", () => {
  let server: Server;
  let port: number;
  let status = 200;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.statusCode = req.url === "/api/v1/health" ? status : 404;
      res.end('{"status":"running"}');
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => server.close());

  const configFile = () => {
    const file = join(mkdtempSync(join(tmpdir(), "robotoff-live-")), "Pulumi.dev.yaml");
    const dev = readFileSync(join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8");
    writeFileSync(file, dev.replace("http: 127.0.0.1:5500", `http: 127.0.0.1:${port}`));
    return file;
  };
  const fake = (inspect: string) => ({ ROBOTOFF_DOCKER_CLI: join(__dirname, "../../fixtures/fake-docker.sh"), FAKE_INSPECT: inspect });

  it("prints one line per service, then the api health URL, and exits 0 when all are up", async () => {
    status = 200;
    const run = await livecheck(fake(HEALTHY), "--stack", "dev", "--config-file", configFile());
    expect(run.stdout.trim().split("\n")).toEqual([
      ...["api", "elasticsearch", "postgres", "scheduler", "tf_serving", "workers"].map((s) => `${s}: UP`),
      `api health: UP (http://127.0.0.1:${port}/api/v1/health answered)`,
    ]);
    expect(run.code).toBe(0);
  });
  it("exits 1 and says what is down", async () => {
    status = 503;
    const partial = join(mkdtempSync(join(tmpdir(), "robotoff-inspect-")), "inspect.json");
    writeFileSync(
      partial,
      JSON.stringify(
        recorded().filter((c) => c.Name !== "/robotoff-workers"),
        null,
        2,
      ),
    );
    const run = await livecheck(fake(partial), "--stack", "dev", "--config-file", configFile());
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("workers: DOWN (no container robotoff-workers)");
    expect(run.stdout).toContain(`api health: DOWN (http://127.0.0.1:${port}/api/v1/health: urllib.error.HTTPError: HTTP Error 503: Service Unavailable)`);
  });
  it("inspects each container on its own host, and checks the api's health from the api's host", async () => {
    const log = join(mkdtempSync(join(tmpdir(), "robotoff-log-")), "calls");
    const run = await livecheck(
      { ...fake(HEALTHY), FAKE_LOG: log },
      "--stack",
      "prod",
      "--config-file",
      join(__dirname, "../../fixtures/Pulumi.prod-two-hosts.yaml"),
    );
    const calls = readFileSync(log, "utf8").trim().split("\n");
    expect(calls).toEqual([
      "default version",
      "default inspect",
      "ssh://deploy@ml.openfoodfacts.org version",
      "ssh://deploy@ml.openfoodfacts.org inspect",
      "default run",
    ]);
    expect(run.stdout).toContain("tf_serving: UP");
  });
  it("does not check the api's URL when the api container is not there, though something answers on its port", async () => {
    status = 200;
    const partial = join(mkdtempSync(join(tmpdir(), "robotoff-inspect-")), "inspect.json");
    writeFileSync(
      partial,
      JSON.stringify(
        recorded().filter((c) => c.Name !== "/robotoff-api"),
        null,
        2,
      ),
    );
    const run = await livecheck(fake(partial), "--stack", "dev", "--config-file", configFile());
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      `api health: DOWN (http://127.0.0.1:${port}/api/v1/health: not checked, robotoff-api is not running (no container robotoff-api))`,
    );
  });
  it("reports the host that answers when another does not, and exits 2", async () => {
    // What the docker CLI 28 said for a host with no sshd, in the test bed (test/hosts), this host's name put in.
    const broken = dockerFailingFor(
      "ssh://deploy@ml.openfoodfacts.org",
      'error during connect: Get "http://docker.example.com/v1.50/version": command [ssh -o ConnectTimeout=30 -T -l deploy -- ml.openfoodfacts.org docker system dial-stdio] has exited with exit status 255, make sure the URL is valid, and Docker 18.09 or later is installed on the remote host: stderr=ssh: connect to host ml.openfoodfacts.org port 22: Connection refused',
    );
    const run = await livecheck(
      { ROBOTOFF_DOCKER_CLI: broken, FAKE_INSPECT: HEALTHY },
      "--stack",
      "prod",
      "--config-file",
      join(__dirname, "../../fixtures/Pulumi.prod-two-hosts.yaml"),
    );
    expect(run.code).toBe(2);
    const lines = run.stdout.trim().split("\n");
    expect(lines).toContain("postgres: UP");
    expect(lines).toContain(
      "tf_serving: DOWN (Docker Engine not reachable at ssh://deploy@ml.openfoodfacts.org: ml.openfoodfacts.org refuses ssh (no sshd listening on port 22): " +
        "check robotoff:hosts.ml.url and that sshd runs there (ssh said: ssh: connect to host ml.openfoodfacts.org port 22: Connection refused))",
    );
  });
  it("says in one line that no Docker Engine is reachable, and exits 2", async () => {
    const run = await livecheck({ DOCKER_HOST: "unix:///nonexistent/docker.sock" }, "--stack", "dev");
    expect(run.code).toBe(2);
    expect(run.stdout.trim().split("\n")).toEqual(
      ["api", "elasticsearch", "postgres", "scheduler", "tf_serving", "workers"]
        .map((s) => expect.stringMatching(new RegExp(`^${s}: DOWN \\(Docker Engine not reachable: `)))
        .concat([expect.stringMatching(/^api health: DOWN \(.*not checked/)]),
    );
  });
  it("says the same when there is no docker CLI at all", async () => {
    const run = await livecheckProcess({ ROBOTOFF_DOCKER_CLI: "/nonexistent/docker" }, "--stack", "dev");
    expect(run.code).toBe(2);
    expect(run.stdout.trim()).toMatch(/^api: DOWN \(Docker Engine not reachable: .*ENOENT/);
  });
});
