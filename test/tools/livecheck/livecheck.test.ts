/** livecheck: recorded `docker inspect` output in the Engine's format, and the CLI end to end. */
import { runScript } from "../../script";
import { createServer, type Server } from "node:http";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InspectedContainer } from "../../../tools/targets/containers/check";
import { apiHealthTarget, main } from "../../../tools/livecheck";
import { declaredContainers } from "../../../tools/targets/target";
import { runMain } from "../../in-process";
import { planStackFile } from "../../../tools/shared/stack-file";
import { dockerFailingFor, PROJECT_DIR, stackFileWith } from "../../harness";

const HEALTHY = join(__dirname, "../../fixtures/docker-inspect/dev-healthy.json");
const recorded = (): InspectedContainer[] => JSON.parse(readFileSync(HEALTHY, "utf8"));
describe("what livecheck checks, read from the StackSpec", () => {
  const TWO_HOSTS = join(__dirname, "../../fixtures/Pulumi.prod-two-hosts.yaml");
  it("declares each service's container on its own host, with its healthcheck presence", () => {
    const declared = declaredContainers(planStackFile(PROJECT_DIR, "prod-2022", TWO_HOSTS).plan);
    expect(declared.find((d) => d.service === "tf_serving")).toEqual({
      service: "tf_serving",
      name: "robotoff-tf_serving",
      hasHealthcheck: true,
      host: "ml",
      url: "ssh://deploy@ml.openfoodfacts.org",
      memoryMb: 10240,
      restart: "always",
    });
    expect(declared.find((d) => d.service === "workers")).toEqual({
      service: "workers",
      name: "robotoff-workers",
      hasHealthcheck: false,
      host: "local",
      memoryMb: 8192,
      restart: "always",
    });
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
    const file = stackFileWith(join(PROJECT_DIR, "Pulumi.dev-2022.yaml"), (config) => (config["robotoff:app"].api.expose.http = "172.17.0.1:5500"));
    expect(apiHealthTarget(planStackFile(PROJECT_DIR, "dev-2022", file).plan)).toEqual({
      url: "http://172.17.0.1:5500/api/v1/health",
      image: "openfoodfacts/robotoff:dev",
      service: "api",
    });
    expect(apiHealthTarget(planStackFile(PROJECT_DIR, "prod-2022").plan)?.url).toBe("http://127.0.0.1:5500/api/v1/health");
  });
});

/** In this worker (test/in-process.ts); the one without a docker CLI runs as a process, for its exit status. */
const livecheck = (env: NodeJS.ProcessEnv, ...args: string[]) => runMain(main, args, env);
const livecheckProcess = (env: NodeJS.ProcessEnv, ...args: string[]) => runScript("livecheck", args, { env });

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
    const file = join(mkdtempSync(join(tmpdir(), "robotoff-live-")), "Pulumi.dev-2022.yaml");
    const dev = readFileSync(join(PROJECT_DIR, "Pulumi.dev-2022.yaml"), "utf8");
    writeFileSync(file, dev.replace("http: 127.0.0.1:5500", `http: 127.0.0.1:${port}`));
    return file;
  };
  const fake = (inspect: string) => ({ ROBOTOFF_DOCKER_CLI: join(__dirname, "../../fixtures/fake-docker.sh"), FAKE_INSPECT: inspect });

  it("prints one line per service, then the api health URL, and exits 0 when all are up", async () => {
    status = 200;
    const run = await livecheck(fake(HEALTHY), "--stack", "dev-2022", "--config-file", configFile());
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
    const run = await livecheck(fake(partial), "--stack", "dev-2022", "--config-file", configFile());
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("workers: DOWN (no container robotoff-workers; the next pulumi up creates it)");
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
    const run = await livecheck(fake(partial), "--stack", "dev-2022", "--config-file", configFile());
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      `api health: DOWN (http://127.0.0.1:${port}/api/v1/health: not checked, robotoff-api is not running (no container robotoff-api; the next pulumi up creates it))`,
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
    // The dev containers recorded against prod's stack: prod restarts always, and says so.
    expect(lines).toContain("postgres: UP (drift: restart policy no, the stack sets always; the next pulumi up puts it back)");
    expect(lines).toContain(
      "tf_serving: DOWN (Docker Engine not reachable at ssh://deploy@ml.openfoodfacts.org: ml.openfoodfacts.org refuses ssh (no sshd listening on port 22): " +
        "check robotoff:hosts.ml.url and that sshd runs there (ssh said: ssh: connect to host ml.openfoodfacts.org port 22: Connection refused))",
    );
  });
  it("says in one line that no Docker Engine is reachable, and exits 2", async () => {
    const run = await livecheck({ DOCKER_HOST: "unix:///nonexistent/docker.sock" }, "--stack", "dev-2022");
    expect(run.code).toBe(2);
    expect(run.stdout.trim().split("\n")).toEqual(
      ["api", "elasticsearch", "postgres", "scheduler", "tf_serving", "workers"]
        .map((s) => expect.stringMatching(new RegExp(`^${s}: DOWN \\(Docker Engine not reachable: `)))
        .concat([expect.stringMatching(/^api health: DOWN \(.*not checked/)]),
    );
  });
  it("advises no rollback when the Engine does not answer: every copy is down for that reason alone (issue 26)", async () => {
    const r = await livecheck({ ROBOTOFF_DOCKER_CLI: "/nonexistent/docker" }, "--stack", "prod-2022");
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^api: DOWN \(Docker Engine not reachable/m);
    expect(r.stdout).not.toContain("After a release that failed");
  });

  it("says the same when there is no docker CLI at all", async () => {
    const run = await livecheckProcess({ ROBOTOFF_DOCKER_CLI: "/nonexistent/docker" }, "--stack", "dev-2022");
    expect(run.code).toBe(2);
    expect(run.stdout.trim()).toMatch(/^api: DOWN \(Docker Engine not reachable: .*ENOENT/);
  });
});
