/** The containers target (tools/targets/containers): livecheck's verdict and ops' ps table, from `docker inspect` output. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assess, type InspectedContainer } from "../../../tools/targets/containers/check";
import { portsColumn, psTable, stateColumn } from "../../../tools/targets/containers/ps";
import { declaredContainers, type DeclaredContainer } from "../../../tools/targets/target";
import { formatVerdict } from "../../../tools/livecheck/verdict";
import { planStackFile } from "../../../tools/shared/stack-file";
import { PROJECT_DIR, stackFileWith } from "../../harness";

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
    expect(formatVerdict(assess(declared, exited)[0])).toBe("api: DOWN (exited, killed: out of memory; the next pulumi up starts it)");
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
    const file = stackFileWith(join(PROJECT_DIR, "Pulumi.prod-2022.yaml"), (config) => (config["robotoff:stopped"] = ["scheduler"]));
    const placed = declaredContainers(planStackFile(PROJECT_DIR, "prod-2022", file).plan);
    expect(placed.filter((p) => p.stopped).map((p) => p.service)).toEqual(["scheduler"]);
  });
  it("says UP for a one-off task that exited 0, DOWN while it runs, never ran or failed, naming how to read its log", () => {
    const task = declared.map((d) => (d.service === "scheduler" ? { ...d, oneOff: true } : d));
    const ended = (state: object) =>
      formatVerdict(
        assess(
          task,
          edit("scheduler", (c) => Object.assign(c.State, state)),
        )[2],
      );
    expect(ended({ Status: "exited", Running: false, ExitCode: 0 })).toBe("scheduler: UP (a one-off task, ran to completion: exit code 0)");
    expect(ended({})).toBe("scheduler: DOWN (a one-off task, still running)");
    expect(ended({ Status: "created", Running: false, ExitCode: 0 })).toBe(
      "scheduler: DOWN (a one-off task, created but never run; npm run ops -- start scheduler runs it)",
    );
    expect(ended({ Status: "exited", Running: false, ExitCode: 3 })).toBe(
      "scheduler: DOWN (a one-off task that failed (exit code 3); its log: npm run ops -- logs scheduler)",
    );
    expect(ended({ Status: "exited", Running: false, ExitCode: 137, OOMKilled: true })).toBe(
      "scheduler: DOWN (a one-off task that failed (killed: out of memory); its log: npm run ops -- logs scheduler)",
    );
  });
  it("takes which services are one-off tasks from the spec (2026-06's migrate-db and init-elasticsearch)", () => {
    const placed = declaredContainers(planStackFile(PROJECT_DIR, "prod").plan);
    expect(placed.filter((p) => p.oneOff).map((p) => p.service)).toEqual(["init-elasticsearch", "migrate-db"]);
  });
  it("says DOWN for a declared container the host does not have", () => {
    const inspected = recorded().filter((c) => c.Name !== "/robotoff-scheduler");
    expect(formatVerdict(assess(declared, inspected)[2])).toBe("scheduler: DOWN (no container robotoff-scheduler; the next pulumi up creates it)");
  });
  it("names what was changed by hand on a running container that the next pulumi up puts back: memory, restart policy", () => {
    const stated = declared.map((d) => ({ ...d, memoryMb: 2048, restart: "no" }));
    const changed = edit("api", (c) => Object.assign(c.HostConfig, { Memory: 512 * 1024 * 1024, RestartPolicy: { Name: "always", MaximumRetryCount: 0 } }));
    expect(formatVerdict(assess(stated, changed)[0])).toBe(
      "api: UP (drift: memory limit 512 MB, the stack sets 2048 MB; the next pulumi up puts it back; drift: restart policy always, the stack sets no; the next pulumi up puts it back)",
    );
    const unhealthy = edit("api", (c) => {
      c.HostConfig.Memory = 1024 * 1024 * 1024;
      c.State.Health = { Status: "unhealthy", Log: [{ ExitCode: 1, Output: "refused" }] };
    });
    expect(formatVerdict(assess(stated, unhealthy)[0])).toBe(
      "api: DOWN (unhealthy: refused; drift: memory limit 1024 MB, the stack sets 2048 MB; the next pulumi up puts it back)",
    );
    // The recorded dev containers have the limits the dev stack sets (in MB: api 2048...): no drift.
    expect(assess(stated, recorded())[0]).toEqual({ service: "api", up: true });
    // An Engine that names no policy ("") means "no"; one that reports no HostConfig at all shows no drift.
    expect(
      assess(
        stated,
        edit("api", (c) => (c.HostConfig.RestartPolicy.Name = "")),
      )[0],
    ).toEqual({ service: "api", up: true });
    expect(
      assess(
        stated,
        edit("api", (c) => delete c.HostConfig.RestartPolicy),
      )[0],
    ).toEqual({ service: "api", up: true });
    expect(
      assess(
        stated,
        edit("api", (c) => delete c.HostConfig),
      )[0],
    ).toEqual({ service: "api", up: true });
  });
  it("says DOWN for a container that should have a healthcheck and runs without one", () => {
    const inspected = edit("tf_serving", (c) => delete c.State.Health);
    expect(assess(declared, inspected)[5].up).toBe(false);
  });
});

describe("ps columns, from the Engine's inspect format", () => {
  const container = {
    Name: "/robotoff-postgres",
    Path: "docker-entrypoint.sh",
    Args: ["postgres", "-c", "shared_buffers=1024MB"],
    State: { Status: "running", Health: { Status: "healthy" } },
    NetworkSettings: {
      Ports: {
        "5432/tcp": [{ HostIp: "127.0.0.1", HostPort: "5432" }],
        "8500/tcp": [
          { HostIp: "0.0.0.0", HostPort: "8500" },
          { HostIp: "::", HostPort: "8500" },
        ],
        "9125/udp": null,
      },
    },
  };
  it("prints published ports as docker ps does, unpublished ones bare", () => {
    expect(portsColumn(container)).toBe("127.0.0.1:5432->5432/tcp, 0.0.0.0:8500->8500/tcp, [::]:8500->8500/tcp, 9125/udp");
  });
  it("prints the state with its health, an exit code, or missing", () => {
    expect(stateColumn(container)).toBe("running (healthy)");
    expect(stateColumn({ ...container, State: { Status: "exited", ExitCode: 137 } })).toBe("exited (137)");
    expect(stateColumn(undefined)).toBe("missing");
  });
  it("cuts the command as compose does", () => {
    const table = psTable([{ service: "postgres", name: "robotoff-postgres", host: "local" }], [container]);
    expect(table.split("\n")[1]).toMatch(/^robotoff-postgres +"docker-entrypoint\.s…" +postgres +running \(healthy\) +127\.0\.0\.1:5432->5432\/tcp/);
  });
});
