/** robotoff:stopped: the provider's inputs that keep a container stopped across deploys and refreshes. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { containerOf, ofType, PROJECT_DIR, renderStack, stackFileWith } from "./harness";

const withStopped = (services: string[], from = join(PROJECT_DIR, "Pulumi.prod-2022.yaml")): string =>
  stackFileWith(from, (config) => (config["robotoff:stopped"] = services), "Pulumi.prod-2022.yaml");

describe("robotoff:stopped [scheduler, postgres_backup]", () => {
  const file = withStopped(["scheduler", "postgres_backup"]);
  const rendered = () => renderStack("prod-2022", file);
  it("creates the containers named without starting them, and lets a refresh find them stopped (start and mustRun false)", async () => {
    const r = await rendered();
    for (const service of ["scheduler", "postgres_backup"]) {
      expect(containerOf(r, service).inputs.start, service).toBe(false);
      expect(containerOf(r, service).inputs.mustRun, service).toBe(false);
    }
  });
  it("leaves the provider's defaults (started, must run) on every other container", async () => {
    const r = await rendered();
    for (const service of ["api", "workers", "postgres"]) {
      expect(containerOf(r, service).inputs.start, service).toBeUndefined();
      expect(containerOf(r, service).inputs.mustRun, service).toBeUndefined();
    }
  });
});

describe("robotoff:stopped [scheduler] on swarm", () => {
  const file = withStopped(["scheduler"], join(__dirname, "fixtures/Pulumi.staging-swarm.yaml"));
  const replicas = async () =>
    Object.fromEntries(
      ofType(await renderStack("staging-2022", file), "docker:index/service:Service").map((s) => [
        (s.inputs.taskSpec as any).networksAdvanceds[0].aliases[0],
        (s.inputs.mode as any).replicated.replicas,
      ]),
    );
  it("keeps the scheduler's service with no task, and the other services' replicas", async () => {
    const r = await replicas();
    expect(r.scheduler).toBe(0);
    expect(r.api).toBe(2);
    expect(r.postgres).toBe(1);
  });
});
