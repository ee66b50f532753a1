/**
 * `render --diff`: what a change of config or code would do, by the provider's replace/update rules.
 * Config changes are diffed between two renders in this process; the command itself runs for what
 * only it does (reading a git ref, its errors).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { changesToJson, diffResources, formatChanges, type RenderedResource } from "../../../tools/render/diff";
import { renderEntry } from "../../../tools/render/baseline";
import { revealed } from "../../../tools/render/json";
import { PROJECT_DIR, renderStack, stackFileWith } from "../../harness";
import { runMain } from "../../in-process";
import { runScript } from "../../script";
import { main as renderMain } from "../../../tools/render/index";

const res = (type: string, name: string, inputs: Record<string, unknown>, replaceOnChanges: string[] = [], id?: string): RenderedResource => ({
  type,
  name,
  inputs,
  options: { replaceOnChanges },
  ...(id ? { id } : {}),
});
const C = "docker:index/container:Container";

const S = "docker:index/service:Service";
/** A Swarm service's inputs, the network and durations as the stack writes them since issue 24. */
const service = (patch: { network?: Record<string, unknown>; grace?: string; replicas?: number; image?: string } = {}) =>
  res(S, "svc", {
    name: "robotoff-api",
    taskSpec: {
      containerSpec: {
        image: patch.image ?? "app:1",
        stopGracePeriod: patch.grace ?? "2m",
        healthcheck: { interval: "30s", timeout: "5s", startPeriod: "1m" },
      },
      restartPolicy: { condition: "any", delay: "0s", maxAttempts: 0, window: "0s" },
      networksAdvanceds: [{ ...(patch.network ?? { id: "robotoff-network-id" }), aliases: ["api"] }],
    },
    mode: { replicated: { replicas: patch.replicas ?? 2 } },
    updateConfig: { delay: "0s", monitor: "30s" },
  });

describe("diffResources on Swarm services, against what kreuzwerker v4.5.0's state holds (issue 24)", () => {
  it("finds nothing to change in a service re-rendered as it was: network by id, durations as the provider reads them", () => {
    expect(diffResources([service()], [service()])).toEqual([]);
  });
  it("replaces, on every deploy, a service that names its network: the state holds the network's id", () => {
    const byName = service({ network: { name: "webnet" } });
    const [change] = diffResources([byName], [byName]);
    expect([change.action, change.inputs]).toEqual(["replace", ["taskSpec"]]);
  });
  it("updates, on every deploy, a service whose durations the provider reads back otherwise (2m0s reads as 2m)", () => {
    const long = service({ grace: "2m0s" });
    const [change] = diffResources([long], [long]);
    expect([change.action, change.inputs]).toEqual(["update", ["taskSpec"]]);
  });
  it("updates a service in place for a new image, and replaces it for a new replica count (mode is ForceNew)", () => {
    expect(diffResources([service()], [service({ image: "app:2" })]).map((c) => c.action)).toEqual(["update"]);
    expect(diffResources([service()], [service({ replicas: 0 })]).map((c) => c.action)).toEqual(["replace"]);
  });
});

describe("diffResources", () => {
  it("updates a container in place for a memory or restart change", () => {
    const changes = diffResources([res(C, "a", { memory: 1, restart: "no" })], [res(C, "a", { memory: 2, restart: "always" })]);
    expect(changes).toEqual([
      {
        action: "update",
        type: C,
        name: "a",
        inputs: ["memory", "restart"],
        values: { memory: { before: 1, after: 2 }, restart: { before: "no", after: "always" } },
      },
    ]);
  });
  it("updates a container in place for a new retry bound or destroy grace period", () => {
    for (const input of ["maxRetryCount", "destroyGraceSeconds"]) {
      expect(diffResources([res(C, "a", { [input]: 1 })], [res(C, "a", { [input]: 2 })])).toEqual([
        { action: "update", type: C, name: "a", inputs: [input], values: { [input]: { before: 1, after: 2 } } },
      ]);
    }
  });
  it("replaces a container when an input the provider cannot update changes (image, envs, ports)", () => {
    for (const input of ["image", "envs", "ports"]) {
      expect(diffResources([res(C, "a", { [input]: 1 })], [res(C, "a", { [input]: 2 })])[0].action).toBe("replace");
    }
  });
  it("replaces on a healthcheck change only where replaceOnChanges says so", () => {
    const before = [res(C, "a", { healthcheck: { interval: "10s" } })];
    expect(diffResources(before, [res(C, "a", { healthcheck: { interval: "20s" } })])[0].action).toBe("update");
    expect(diffResources(before, [res(C, "a", { healthcheck: { interval: "20s" } }, ["healthcheck"])])[0].action).toBe("replace");
  });
  it("lists creates and deletes, and nothing for an unchanged resource", () => {
    const changes = diffResources([res(C, "old", {}), res(C, "same", { a: [1] })], [res(C, "new", {}), res(C, "same", { a: [1] })]);
    expect(changes.map((c) => `${c.action} ${c.name}`)).toEqual(["create new", "delete old"]);
  });
  it("replaces a read resource that reads another id", () => {
    const v = "docker:index/volume:Volume";
    expect(diffResources([res(v, "d", {}, [], "a")], [res(v, "d", {}, [], "b")])[0]).toMatchObject({ action: "replace", inputs: ["id"] });
  });
  it("prints each differing input's old and new value under its change, secrets hidden (issue 11, item 7)", () => {
    const [change] = diffResources([res(C, "a", { memory: 4096, envs: { secret: ["P=old"] } })], [res(C, "a", { memory: 6144, envs: { secret: ["P=new"] } })]);
    expect(formatChanges([change]).split("\n").slice(1, 3)).toEqual(['           envs: "[secret]" -> "[secret]"', "           memory: 4096 -> 6144"]);
    const json = JSON.parse(changesToJson([change]));
    expect(json.changes[0].values.memory).toEqual({ before: 4096, after: 6144 });
    expect(JSON.stringify(json)).not.toContain("P=new");
  });
  it("prints one line per change and a summary", () => {
    expect(formatChanges([])).toBe("no changes");
    expect(formatChanges([{ action: "update", type: C, name: "a", inputs: ["memory"] }])).toBe(
      `update   ${C}  a  (memory)\n0 to create, 1 to update, 0 to replace, 0 to delete`,
    );
  });
});

const stackWith = (stack: string, patch: (config: any) => void): string => stackFileWith(join(PROJECT_DIR, `Pulumi.${stack}.yaml`), patch);

const changed = (stdout: string) =>
  stdout
    .trim()
    .split("\n")
    .slice(0, -1)
    .filter((l) => !l.startsWith(" "))
    .map((l) =>
      l
        .split(/\s+/)
        .filter((w) => !w.startsWith("docker:"))
        .join(" "),
    );

/** The diff `render --diff <file>` prints: from the stack rendered with `file` to the shipped stack file. */
async function changesFrom(stack: string, file: string): Promise<string[]> {
  // As the command does: both sides with their secrets shown (the baseline comes as --show-secrets JSON).
  const resources = async (configFile?: string) => revealed((await renderStack(stack, configFile)).resources, true) as RenderedResource[];
  return changed(formatChanges(diffResources(await resources(file), await resources())));
}

describe("render --diff <config file>", () => {
  it("replaces exactly the app image and the app containers (the api's two copies) for a new app tag", async () => {
    expect(
      (
        await changesFrom(
          "prod-2022",
          stackWith("prod-2022", (c) => (c["robotoff:app"].tag = "v9.9.9")),
        )
      ).sort(),
    ).toEqual(
      [
        "replace robotoff-image-robotoff (name)",
        "replace robotoff-api-container (image)",
        "replace robotoff-api-container-2 (image)",
        "replace robotoff-workers-container (image)",
        "replace robotoff-scheduler-container (image)",
      ].sort(),
    );
  });
  it("updates only postgres, in place, for a new postgres memory limit", async () => {
    expect(
      await changesFrom(
        "dev-2022",
        stackWith("dev-2022", (c) => (c["robotoff:postgres"].memory = "6g")),
      ),
    ).toEqual(["update robotoff-postgres-container (memory, memorySwap)"]);
  });
  it("finds no change against the same config", async () => {
    expect(
      await changesFrom(
        "dev-2022",
        stackWith("dev-2022", () => undefined),
      ),
    ).toEqual([]);
  });
  it("says when it can read neither a file nor a git ref", async () => {
    const out = await runMain(renderMain, ["--stack", "dev-2022", "--diff", "no-such-ref-or-file"]);
    // A bad argument, said before anything renders: the only line.
    expect([out.code, out.stderr.trim()]).toEqual([2, "--diff no-such-ref-or-file: neither a file nor a git ref"]);
  });
});

describe("render --diff <git ref>", () => {
  it("compares with the stack as a commit has it", async () => {
    // A commit of this working tree, untracked files included, made with an index of its own: the working tree,
    // the index and every ref stay as they are (the objects are the repository's, unreferenced, for git gc).
    const git = (env: NodeJS.ProcessEnv, ...args: string[]) =>
      execFileSync("git", ["-C", PROJECT_DIR, "-c", "user.name=t", "-c", "user.email=t@t", ...args], {
        encoding: "utf8",
        env: { ...process.env, ...env },
      }).trim();
    const index = { GIT_INDEX_FILE: join(mkdtempSync(join(tmpdir(), "robotoff-index-")), "index") };
    git(index, "add", "-A");
    const commit = git({}, "commit-tree", git(index, "write-tree"), "-m", "the working tree");
    const file = stackWith("dev-2022", (c) => (c["robotoff:restartPolicy"] = "always"));
    // In a process of its own: this worker has loaded the program already (the harness renders it afresh each time).
    const out = await runScript("render", ["--stack", "dev-2022", "--config-file", file, "--diff", commit]);
    expect(out.code).toBe(0);
    expect(changed(out.stdout)).toHaveLength(6);
    expect(changed(out.stdout).every((l) => /^update robotoff-\S+-container \(restart\)$/.test(l))).toBe(true);
  }, 120_000); // two renders in child processes, the baseline with that commit's own tools
});

describe("render --diff <git ref> of a commit from before tools/ had a folder per command", () => {
  const checkout = (...files: string[]) => {
    const dir = mkdtempSync(join(tmpdir(), "robotoff-layout-"));
    for (const f of files) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      writeFileSync(join(dir, f), "");
    }
    return dir;
  };
  it("runs that commit's tools/render.ts, this layout's tools/render/index.ts, and finds none in a commit without either", () => {
    expect(renderEntry(checkout("tools/render.ts"))).toBe("tools/render.ts");
    expect(renderEntry(checkout("tools/render/index.ts", "tools/render/table.ts"))).toBe("tools/render/index.ts");
    expect(renderEntry(checkout("tools/livecheck.ts"))).toBeUndefined();
  });
});
