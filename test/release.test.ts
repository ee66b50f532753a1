/**
 * robotoff:app.api.release: `replace` (compose's way, dev) and `rolling` (staging and prod): the api's two
 * copies behind HAProxy, each created healthy before the next, as the program registers them and as the
 * tools see them. What a release does on a real Engine is in test/engine/release.test.ts.
 */
import { describe, expect, it, vi } from "vitest";
import { lifecycle } from "../tools/targets/containers/lifecycle";
import { join } from "node:path";
import { haproxyConfig } from "../models/api-proxy";
import { healthBudgetSeconds } from "../models/healthchecks";
import { containersOf } from "../models/spec";
import { apiHealthTarget } from "../tools/livecheck";
import { declaredContainers } from "../tools/targets/target";
import { assess } from "../tools/targets/containers/check";
import { copiesAdvice, formatVerdict } from "../tools/livecheck/verdict";
import { planStackFile } from "../tools/shared/stack-file";
import { CONTAINER, PROJECT_DIR, containersOfService, keyOf, ofType, renderStack, stackFileWith } from "./harness";

const config = (servers: string[]) => haproxyConfig({ port: 5500, servers, healthPath: "/api/v1/health", serverTimeoutSeconds: 60 });

describe("haproxy.cfg for the api's copies", () => {
  const lines = config(["robotoff-api-1", "robotoff-api-2"]).split("\n");
  it("listens on the api's port and names each copy once, by its container name, on that port", () => {
    expect(lines).toContain("  bind :5500");
    expect(lines.filter((l) => l.startsWith("  server "))).toEqual([
      "  server robotoff-api-1 robotoff-api-1:5500",
      "  server robotoff-api-2 robotoff-api-2:5500",
    ]);
  });
  it("checks each copy's health URL every second, and re-reads the copies' addresses from Docker's DNS", () => {
    expect(lines).toContain("  option httpchk GET /api/v1/health");
    expect(lines).toContain("  http-check expect status 200");
    expect(lines).toContain("  nameserver dns 127.0.0.11:53");
    expect(lines.find((l) => l.startsWith("  default-server"))).toBe(
      "  default-server check inter 1s fall 2 rise 1 resolvers docker resolve-prefer ipv4 init-addr last,libc,none",
    );
  });
  it("sends a request that found no server again, to the other copy, and only GET/HEAD once they reached one", () => {
    expect(lines).toEqual(expect.arrayContaining(["  retries 3", "  option redispatch 1", "  retry-on conn-failure empty-response"]));
    expect(lines).toContain("  http-request disable-l7-retry unless METH_GET");
  });
  it("waits for the api as long as gunicorn does; a file HAProxy reads to its last line (a final newline)", () => {
    expect(lines).toContain("  timeout server 60s");
    expect(config([]).endsWith("init-addr last,libc,none\n")).toBe(true);
    expect(config(["a"]).endsWith("  server a a:5500\n")).toBe(true);
  });
});

describe("haproxy.cfg, whole", () => {
  // Every line is a choice said in models/api-proxy.ts; the engine tier (test/engine/release.test.ts) runs it in HAProxy 2.6.
  it("is this file for the api's two copies", () => {
    expect(config(["robotoff-api-1", "robotoff-api-2"])).toBe(
      [
        "# Written by the Robotoff stack (robotoff:app.api.release rolling): the api's copies behind one port.",
        "global",
        "  log stdout format raw local0 info",
        "",
        "defaults",
        "  mode http",
        "  log global",
        "  option httplog",
        "  option dontlognull",
        "  timeout connect 1s",
        "  timeout client 60s",
        "  timeout server 60s",
        "  timeout http-request 10s",
        "  retries 3",
        "  option redispatch 1",
        "  retry-on conn-failure empty-response",
        "",
        "resolvers docker",
        "  nameserver dns 127.0.0.11:53",
        "  hold valid 1s",
        "  hold nx 1s",
        "  hold other 1s",
        "  hold refused 1s",
        "  hold timeout 1s",
        "  hold obsolete 0s",
        "  timeout resolve 1s",
        "  timeout retry 1s",
        "",
        "frontend api",
        "  bind :5500",
        "  default_backend copies",
        "",
        "backend copies",
        "  http-request disable-l7-retry unless METH_GET",
        "  option httpchk GET /api/v1/health",
        "  http-check expect status 200",
        "  default-server check inter 1s fall 2 rise 1 resolvers docker resolve-prefer ipv4 init-addr last,libc,none",
        "  server robotoff-api-1 robotoff-api-1:5500",
        "  server robotoff-api-2 robotoff-api-2:5500",
      ].join("\n") + "\n",
    );
  });
});

describe("containersOf and the health budget", () => {
  it("names one container after its service, copies after their number", () => {
    expect(containersOf({ containerName: "robotoff-api" })).toEqual(["robotoff-api"]);
    expect(containersOf({ containerName: "robotoff-api", copies: 2 })).toEqual(["robotoff-api-1", "robotoff-api-2"]);
    expect(containersOf({ containerName: "x", copies: 3 })).toEqual(["x-1", "x-2", "x-3"]);
  });
  it("gives the start period and one check more than the retries, each interval plus timeout", () => {
    expect(healthBudgetSeconds({ command: [], startPeriodSeconds: 60, intervalSeconds: 30, timeoutSeconds: 5, retries: 3 })).toBe(200);
    expect(healthBudgetSeconds({ command: [], startPeriodSeconds: 0, intervalSeconds: 2, timeoutSeconds: 1, retries: 1 })).toBe(6);
  });
});

describe("prod with robotoff:app.api.waitTimeout 90s", () => {
  const file = stackFileWith(join(PROJECT_DIR, "Pulumi.prod-2022.yaml"), (c) => (c["robotoff:app"].api.waitTimeout = "1m30s"));
  it("makes each copy's create wait 90 s for health, not the healthcheck's budget", async () => {
    const copies = containersOfService(await renderStack("prod-2022", file), "api");
    expect(copies.map((c) => [c.inputs.name, c.inputs.wait, c.inputs.waitTimeout])).toEqual([
      ["robotoff-api-1", true, 90],
      ["robotoff-api-2", true, 90],
    ]);
  });
});

describe("prod with robotoff:app.workers.stopGrace 5m", () => {
  const file = stackFileWith(join(PROJECT_DIR, "Pulumi.prod-2022.yaml"), (c) => (c["robotoff:app"].workers = { stopGrace: "5m" }));
  it("lets a stop (and the provider's, before a replacement) give the workers 300 s to run their queue; the scheduler keeps 10 s", async () => {
    const r = await renderStack("prod-2022", file);
    const grace = (service: string) => containersOfService(r, service).map((c) => [c.inputs.stopTimeout, c.inputs.destroyGraceSeconds]);
    expect(grace("workers")).toEqual([[300, 300]]);
    expect(grace("scheduler")).toEqual([[10, 10]]);
  });
});

describe("the api's health URL", () => {
  it("is none when the api publishes no port, whatever else does (postgres on loopback)", () => {
    const file = stackFileWith(join(PROJECT_DIR, "Pulumi.prod-2022.yaml"), (c) => (c["robotoff:app"].api.expose = { http: null }));
    const { plan } = planStackFile(PROJECT_DIR, "prod-2022", file);
    expect(plan.spec.services.find((s) => s.name === "postgres")!.ports.length).toBe(1);
    expect(apiHealthTarget(plan)).toBeUndefined();
  });
});

describe("prod: the program's outputs and resources with copies", () => {
  it("exports the api's two container names, the other services' one", async () => {
    const r = await renderStack("prod-2022");
    const containers = r.outputs.containers as Record<string, unknown>;
    expect(containers.api).toEqual(["robotoff-api-1", "robotoff-api-2"]);
    expect(containers.api_proxy).toBe("robotoff-api_proxy");
    expect(containers.workers).toBe("robotoff-workers");
    expect(r.outputs.apiUrl).toBe("http://127.0.0.1:5500/api/v1/health");
  });
  it("keeps the single container's resource name for the first copy, so that switching release modes replaces it", async () => {
    const r = await renderStack("prod-2022");
    const copies = containersOfService(r, "api");
    expect(copies.map((c) => c.name)).toEqual(["robotoff-api-container", "robotoff-api-container-2"]);
    expect(copies[1].options.dependsOn).toContain(keyOf(copies[0]));
    expect(copies[0].options.dependsOn).not.toContain(keyOf(copies[1]));
  });
  it("dev (release replace) runs one api container holding the port, and no proxy", async () => {
    const r = await renderStack("dev-2022");
    expect(ofType(r, CONTAINER).map((c) => c.inputs.name)).not.toContain("robotoff-api_proxy");
    expect(containersOfService(r, "api").map((c) => [c.inputs.name, (c.inputs.ports as any[]).length])).toEqual([["robotoff-api", 1]]);
  });
});

describe("the tools with copies (prod)", () => {
  const { plan } = planStackFile(PROJECT_DIR, "prod-2022");
  it("declare each copy, numbered, and the proxy", () => {
    const api = declaredContainers(plan).filter((d) => d.service.startsWith("api"));
    expect(api.map((d) => [d.service, d.name, d.copy, d.hasHealthcheck])).toEqual([
      ["api", "robotoff-api-1", 1, true],
      ["api", "robotoff-api-2", 2, true],
      ["api_proxy", "robotoff-api_proxy", undefined, false],
    ]);
  });
  it("fetch the api's health through the proxy, which holds the port", () => {
    expect(apiHealthTarget(plan)).toEqual({ url: "http://127.0.0.1:5500/api/v1/health", image: plan.spec.images[0].reference, service: "api_proxy" });
  });
  it("say which copy is down", () => {
    const declared = declaredContainers(plan).filter((d) => d.service === "api");
    const state = (Status: string) => ({ Status, Running: true, Health: { Status } });
    const verdicts = assess(declared, [
      { Name: "/robotoff-api-1", State: { ...state("healthy"), Status: "running" } },
      { Name: "/robotoff-api-2", State: { ...state("unhealthy"), Status: "running" } },
    ]);
    expect(verdicts.map(formatVerdict)).toEqual(["api-1: UP", "api-2: DOWN (unhealthy)"]);
  });
  it("say, when a copy is down, which still serve and what to do after a failed release", () => {
    const declared = declaredContainers(plan);
    const verdicts = (downs: string[]) => declared.map((d) => ({ service: d.copy ? `${d.service}-${d.copy}` : d.service, up: !downs.includes(d.name) }));
    expect(copiesAdvice(declared, verdicts([]), "prod-2022")).toEqual([]);
    expect(copiesAdvice(declared, verdicts(["robotoff-workers"]), "prod-2022")).toEqual([]);
    const fix =
      "After a release that failed: put the previous robotoff:app.tag back and run `pulumi up` again; why it failed: npm run ops -- --stack prod-2022 logs api";
    expect(copiesAdvice(declared, verdicts(["robotoff-api-1"]), "prod-2022")).toEqual([`api: api-1 down; still serving: api-2. ${fix}`]);
    expect(copiesAdvice(declared, verdicts(["robotoff-api-2"]), "prod-2022")).toEqual([`api: api-2 down; still serving: api-1. ${fix}`]);
    expect(copiesAdvice(declared, verdicts(["robotoff-api-1", "robotoff-api-2"]), "prod-2022")).toEqual([
      `api: api-1, api-2 down; still serving: none. ${fix}`,
    ]);
    // A copy kept stopped (robotoff:stopped) is not advice.
    expect(
      copiesAdvice(
        declared.map((d) => ({ ...d, stopped: true })),
        verdicts(["robotoff-api-1"]),
        "prod-2022",
      ),
    ).toEqual([]);
  });
});

describe("ops start and restart with copies", () => {
  const { plan } = planStackFile(PROJECT_DIR, "prod-2022");
  /** A docker CLI whose inspect reports each container's health from `health`; every call recorded. */
  const dockerWith = (health: Record<string, string>, calls: string[]) => async (_url: string | undefined, args: string[]) => {
    calls.push(args.filter((a) => a !== "--type" && a !== "container").join(" "));
    const name = args[args.length - 1];
    return args[0] === "inspect"
      ? { code: 0, stdout: JSON.stringify([{ Name: `/${name}`, State: { Health: { Status: health[name] } } }]), stderr: "" }
      : { code: 0, stdout: "", stderr: "" };
  };
  const apiCopies = () => declaredContainers(plan).filter((d) => d.service === "api");
  async function printed(fn: () => Promise<number>): Promise<{ status: number; lines: string[] }> {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: any) => (out.push(String(chunk)), true));
    try {
      const status = await fn();
      return { status, lines: out.join("").trim().split("\n") };
    } finally {
      spy.mockRestore();
    }
  }
  it("gives each copy its service's wait timeout", () => {
    expect(apiCopies().map((d) => d.waitSeconds)).toEqual([200, 200]);
  });
  it("restarts the second copy once the first is healthy", async () => {
    const calls: string[] = [];
    const docker = dockerWith({ "robotoff-api-1": "healthy", "robotoff-api-2": "healthy" }, calls);
    const r = await printed(() => lifecycle(docker, "restart", apiCopies(), 1));
    expect(r).toEqual({ status: 0, lines: ["api: restarted (robotoff-api-1), healthy", "api: restarted (robotoff-api-2), healthy"] });
    expect(calls).toEqual(["restart robotoff-api-1", "inspect robotoff-api-1", "restart robotoff-api-2", "inspect robotoff-api-2"]);
  });
  it("leaves the second copy as it is when the first does not turn healthy in its wait timeout, and exits 1", async () => {
    const calls: string[] = [];
    const docker = dockerWith({ "robotoff-api-1": "unhealthy", "robotoff-api-2": "healthy" }, calls);
    const copies = apiCopies().map((d) => ({ ...d, waitSeconds: 0.05 }));
    const r = await printed(() => lifecycle(docker, "restart", copies, 10));
    expect(r.status).toBe(1);
    expect(r.lines).toEqual([
      "api: restarted (robotoff-api-1), not healthy after 0.05 s (unhealthy)",
      "api: not restarted (robotoff-api-2): the copy before it is not healthy",
    ]);
    expect(calls.filter((c) => !c.startsWith("inspect"))).toEqual(["restart robotoff-api-1"]);
    expect(calls.filter((c) => c.startsWith("inspect")).length).toBeGreaterThan(1);
  });
  it("says why it cannot tell a copy's health (the Engine lost it), and holds the next copy back", async () => {
    const calls: string[] = [];
    const gone = async (_url: string | undefined, args: string[]) => {
      calls.push(args[0]);
      return args[0] === "inspect" ? { code: 1, stdout: "", stderr: "Error: No such container: robotoff-api-1" } : { code: 0, stdout: "", stderr: "" };
    };
    const copies = apiCopies().map((d) => ({ ...d, waitSeconds: 0.01 }));
    const r = await printed(() => lifecycle(gone, "start", copies, 5));
    expect(r.lines[0]).toBe("api: started (robotoff-api-1), not healthy after 0.01 s (Error: No such container: robotoff-api-1)");
    expect(r.status).toBe(1);
  });
  it("waits for nothing on a service that runs one container, healthcheck or not", async () => {
    const calls: string[] = [];
    const one = declaredContainers(plan).filter((d) => d.service === "postgres" || d.service === "workers");
    const r = await printed(() => lifecycle(dockerWith({}, calls), "restart", one, 1));
    expect(r.lines.sort()).toEqual(["postgres: restarted (robotoff-postgres)", "workers: restarted (robotoff-workers)"]);
    expect(calls.filter((c) => c.startsWith("inspect"))).toEqual([]);
  });
  it("stops the copies without waiting for anything, the second first", async () => {
    const calls: string[] = [];
    const r = await printed(() => lifecycle(dockerWith({}, calls), "stop", apiCopies(), 1));
    expect(r).toEqual({ status: 0, lines: ["api: stopped (robotoff-api-2)", "api: stopped (robotoff-api-1)"] });
    expect(calls).toEqual(["stop robotoff-api-2", "stop robotoff-api-1"]);
  });
});
