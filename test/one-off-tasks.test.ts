/**
 * Generation 2026-06's one-off tasks (migrate-db, init-elasticsearch) under the SDK's mocks, told how each task's
 * container ended as the provider reads it back after its create: the app waits for exit code 0, and a failed
 * task fails the run before any app container is registered, with its log and the command that runs it again.
 */
import { describe, expect, it } from "vitest";
import { loadRuntimeConfig } from "../tools/shared/stack-file";
import { FAILED_LOG_LINES } from "../services/containers/service";
import { CONTAINER, PROJECT_DIR, keyOf, ofType, renderProgram } from "./harness";

const APP = ["api", "update-listener", "worker-1", "worker-6", "worker-ml-2", "scheduler"];
const containerKey = (service: string) => `${CONTAINER}::robotoff-${service}-container`;

async function deploy(exits: Record<string, { exitCode: number; logs: string }>) {
  const registered: string[] = [];
  const cfg = loadRuntimeConfig(PROJECT_DIR, "prod");
  const run = renderProgram(cfg, undefined, { taskExit: (name) => exits[name], onRegister: (key) => registered.push(key) });
  return { run, registered };
}

describe("one-off tasks: the app waits for their exit code 0", () => {
  it("registers every app container once both tasks exited 0, each depending on both", async () => {
    const ok = { exitCode: 0, logs: "done\n" };
    const { run } = await deploy({ "robotoff-migrate-db": ok, "robotoff-init-elasticsearch": ok });
    const r = await run;
    for (const service of APP) {
      const c = ofType(r, CONTAINER).find((x) => keyOf(x) === containerKey(service));
      expect(c, service).toBeDefined();
      expect(c!.options.dependsOn).toEqual(expect.arrayContaining([containerKey("migrate-db"), containerKey("init-elasticsearch")]));
    }
  });

  it("fails on a migration's exit code 1 before any app container is registered, showing its log and the fix", async () => {
    const logs = Array.from({ length: FAILED_LOG_LINES + 5 }, (_, i) => `line ${i + 1}`).join("\n");
    const { run, registered } = await deploy({
      "robotoff-migrate-db": { exitCode: 1, logs: `${logs}\npeewee.OperationalError: relation "insights" already exists\n` },
      "robotoff-init-elasticsearch": { exitCode: 0, logs: "" },
    });
    const error: Error = await run.then(
      () => {
        throw new Error("the run succeeded");
      },
      (e) => e,
    );
    expect(error.message).toContain("migrate-db exited with code 1; nothing that waits for it was replaced.");
    expect(error.message).toContain('peewee.OperationalError: relation "insights" already exists');
    // The last lines only.
    expect(error.message).toContain(`line ${FAILED_LOG_LINES + 5}`);
    expect(error.message).not.toContain("line 5\n");
    // The container's own URN (the mocks' monitor qualifies its type with its parent's type only).
    expect(error.message).toMatch(
      /\nOnce its cause is fixed, run it again: pulumi up --replace 'urn:pulumi:prod::robotoff::[^']*\$docker:index\/container:Container::robotoff-migrate-db-container'$/,
    );
    expect(registered).toContain(containerKey("migrate-db"));
    // The data services are there: what the tasks need.
    expect(registered).toContain(containerKey("postgres"));
    for (const service of APP) expect(registered, service).not.toContain(containerKey(service));
  });

  it("says an empty log is empty", async () => {
    const { run } = await deploy({ "robotoff-init-elasticsearch": { exitCode: 2, logs: "" }, "robotoff-migrate-db": { exitCode: 0, logs: "" } });
    await expect(run).rejects.toThrow("init-elasticsearch exited with code 2; nothing that waits for it was replaced. Its log: empty\n");
  });
});
