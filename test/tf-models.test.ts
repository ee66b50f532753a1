/**
 * robotoff:tfServing.models: the config, the tf_models service and its place in the stack, and its script run
 * by this machine's sh and wget against a local HTTP server serving archives this test makes.
 */
import type { StackConfig } from "../models/config";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TfModel } from "../models/tf-models";
import { run, type CommandResult } from "../tools/shared/command";
import { PROJECT_DIR, freshModules, stackFileWith } from "./harness";
import { runMain } from "./in-process";

// Imported afresh before the tests (test/harness.ts freshModules): a mutation run's mutant is in them.
const m = freshModules(async () => ({
  ...(await import("../models/tf-models")),
  ...(await import("../tools/shared/stack-file")),
  doctor: (await import("../tools/doctor")).main,
}));

/** Every folder this file makes, removed at the end. */
const SCRATCH = mkdtempSync(join(tmpdir(), "robotoff-tf-models-test-"));
afterAll(() => rmSync(SCRATCH, { recursive: true, force: true }));

const stackFile = (tfServing: Record<string, unknown>): string =>
  stackFileWith(join(PROJECT_DIR, "Pulumi.prod-2022.yaml"), (config) => (config["robotoff:tfServing"] = tfServing), undefined, SCRATCH);
const SHA = "a".repeat(64);
const LOGO = {
  name: "universal-logo-detector",
  url: "https://github.com/openfoodfacts/robotoff-models/releases/download/tf-universal-logo-detector-1.0/saved_model.tar.gz",
  sha256: SHA,
};

describe("robotoff:tfServing.models in the stack", () => {
  it("serves a model given without a version or platform as version 1 of a tensorflow model", () => {
    const config = m.planStackFile(PROJECT_DIR, "prod-2022", stackFile({ models: [LOGO] })).plan.config as StackConfig;
    expect(config.tfServing.models).toEqual([{ ...LOGO, version: 1, platform: "tensorflow" }]);
  });
  it("adds tf_models on tf_serving's host, with its folder, and makes tf_serving wait for it", () => {
    const spec = m.planStackFile(PROJECT_DIR, "prod-2022", stackFile({ models: [LOGO] })).plan.spec;
    const tfModels = spec.services.find((s) => s.name === "tf_models")!;
    const tfServing = spec.services.find((s) => s.name === "tf_serving")!;
    expect(tfModels.binds).toEqual(tfServing.binds);
    expect(tfModels.host).toBe(tfServing.host);
    expect(tfServing.dependsOn).toEqual(["tf_models"]);
    expect(tfModels.waitTimeoutSeconds).toBe(15 * 60);
    expect(tfModels.env.TF_MODELS).toBe(`universal-logo-detector 1 ${SHA} ${LOGO.url}`);
  });
  it("leaves models to the operator when the key is unset, as before", () => {
    const spec = m.planStackFile(PROJECT_DIR, "prod-2022").plan.spec;
    expect(spec.services.map((s) => s.name)).not.toContain("tf_models");
    expect(spec.services.find((s) => s.name === "tf_serving")!.dependsOn).toEqual([]);
  });
  it("lets tf_serving read a changed models.config without a restart", () => {
    const entrypoint = m.planStackFile(PROJECT_DIR, "prod-2022").plan.spec.services.find((s) => s.name === "tf_serving")!.entrypoint;
    expect(entrypoint).toContain("--model_config_file_poll_wait_seconds=60");
  });
  it("refuses a bad checksum, a URL that is none, two models of one name", () => {
    const bad = stackFile({ models: [{ ...LOGO, sha256: "abc", url: "ftp://x" }, LOGO, LOGO] });
    expect(() => m.planStackFile(PROJECT_DIR, "prod-2022", bad)).toThrow(
      /robotoff:tfServing\.models\[0\]\.sha256: expected the archive's sha256, 64 lowercase hex digits/,
    );
    expect(() => m.planStackFile(PROJECT_DIR, "prod-2022", bad)).toThrow(/robotoff:tfServing\.models\[0\]\.url: expected an http\(s\) URL/);
    expect(() => m.planStackFile(PROJECT_DIR, "prod-2022", bad)).toThrow(/robotoff:tfServing\.models: expected models with distinct names/);
  });
  it("writes models.config with each model's folder, platform and version", () => {
    expect(m.modelsConfig([{ ...LOGO, version: 2, platform: "tensorflow" }])).toBe(
      'model_config_list {\n  config {\n    name: "universal-logo-detector"\n    base_path: "/models/universal-logo-detector"\n    model_platform: "tensorflow"\n    model_version_policy { specific { versions: 2 } }\n  }\n}\n',
    );
  });
});

/** A .tar.gz holding saved_model/saved_model.pb with `content`, as robotoff-models releases are laid out. */
async function archive(dir: string, name: string, content: string): Promise<{ file: string; sha256: string }> {
  const src = mkdtempSync(join(SCRATCH, "model-src-"));
  mkdirSync(join(src, "saved_model/variables"), { recursive: true });
  writeFileSync(join(src, "saved_model/saved_model.pb"), content);
  const file = join(dir, `${name}.tar.gz`);
  const r = await run("tar", ["-czf", file, "-C", src, "saved_model"]);
  if (r.code !== 0) throw new Error(r.stderr);
  return { file, sha256: createHash("sha256").update(readFileSync(file)).digest("hex") };
}

describe("tf-models.sh", () => {
  let server: Server;
  let base = "";
  const served = mkdtempSync(join(SCRATCH, "archives-"));
  const requests: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url!);
      const file = join(served, req.url!.slice(1));
      if (!existsSync(file)) {
        res.statusCode = 404;
        res.end();
        return;
      }
      res.end(readFileSync(file));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  /**
   * Runs the tf_models service the stack plans for `models` as its spec says (its entrypoint, the script file
   * it uploads, its environment), with its models folder at `root` and its state folder in the scratch folder,
   * until the script says ready or failed; what it said, and what the service's healthcheck then says.
   */
  async function provision(root: string, models: TfModel[]): Promise<{ ready: boolean; failure?: string; log: string; health: CommandResult }> {
    const svc = m.planStackFile(PROJECT_DIR, "prod-2022", stackFile({ models })).plan.spec.services.find((s) => s.name === "tf_models")!;
    const state = mkdtempSync(join(SCRATCH, "models-state-"));
    const [shell, scriptPath] = svc.entrypoint!;
    const script = join(state, "script.sh");
    writeFileSync(script, svc.files!.find((f) => f.containerPath === scriptPath)!.content);
    const containerState = svc.env.TF_MODELS_STATE as string;
    const env = { ...(svc.env as Record<string, string>), PATH: process.env.PATH, TF_MODELS_ROOT: root, TF_MODELS_STATE: state };
    expect(svc.binds).toEqual([{ hostPath: expect.any(String), containerPath: svc.env.TF_MODELS_ROOT, readOnly: false }]);
    const child = spawn(shell, [script], { env, detached: true, stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    child.stderr.on("data", (d) => (log += d));
    const exited = new Promise((r) => child.on("exit", r));
    const drained = new Promise((r) => child.stderr.on("end", r));
    for (let i = 0; i < 200 && !existsSync(join(state, "tf-models.ready")) && !existsSync(join(state, "tf-models.failed")); i++)
      await new Promise((r) => setTimeout(r, 50));
    process.kill(-child.pid!, "SIGTERM");
    await exited;
    await Promise.race([drained, new Promise((r) => setTimeout(r, 1000))]);
    const [probe, ...probeArgs] = svc.healthcheck!.command.map((a) => a.replaceAll(containerState, state));
    const health = await run(probe, probeArgs);
    const failed = join(state, "tf-models.failed");
    return { ready: existsSync(join(state, "tf-models.ready")), failure: existsSync(failed) ? readFileSync(failed, "utf8").trim() : undefined, log, health };
  }
  const model = (name: string, a: { file: string; sha256: string }, version = 1): TfModel => ({
    name,
    url: `${base}/${a.file.split("/").pop()}`,
    sha256: a.sha256,
    version,
    platform: "tensorflow",
  });

  it("downloads, checks and unpacks each model, writes models.config; an unchanged list downloads nothing", async () => {
    const root = mkdtempSync(join(SCRATCH, "models-root-"));
    const models = [model("logo", await archive(served, "logo-1", "logo v1")), model("nutrition", await archive(served, "nutrition-1", "nutrition v1"))];
    requests.length = 0;
    expect((await provision(root, models)).ready).toBe(true);
    expect(readFileSync(join(root, "logo/1/saved_model.pb"), "utf8")).toBe("logo v1");
    expect(readFileSync(join(root, "nutrition/1/saved_model.pb"), "utf8")).toBe("nutrition v1");
    expect(readFileSync(join(root, "models.config"), "utf8")).toBe(m.modelsConfig(models));
    expect(requests).toEqual(["/logo-1.tar.gz", "/nutrition-1.tar.gz"]);
    expect(existsSync(join(root, ".provisioning"))).toBe(false);

    requests.length = 0;
    const again = await provision(root, models);
    expect(again.ready).toBe(true);
    expect([again.health.code, again.health.stdout]).toEqual([0, ""]);
    expect(requests).toEqual([]);
  });
  it("a changed list downloads only the model that changed", async () => {
    const root = mkdtempSync(join(SCRATCH, "models-root-"));
    const logo = model("logo", await archive(served, "logo-a", "logo v1"));
    const first = [logo, model("nutrition", await archive(served, "nutrition-a", "nutrition v1"))];
    await provision(root, first);
    const second = [logo, model("nutrition", await archive(served, "nutrition-b", "nutrition v2"), 2)];
    requests.length = 0;
    expect((await provision(root, second)).ready).toBe(true);
    expect(requests).toEqual(["/nutrition-b.tar.gz"]);
    expect(readFileSync(join(root, "nutrition/2/saved_model.pb"), "utf8")).toBe("nutrition v2");
    expect(readFileSync(join(root, "models.config"), "utf8")).toBe(m.modelsConfig(second));
  });
  it("a wrong checksum fails naming the model, and leaves the served models and models.config as they were", async () => {
    const root = mkdtempSync(join(SCRATCH, "models-root-"));
    const good = [model("logo", await archive(served, "logo-c", "logo v1"))];
    await provision(root, good);
    // The config names a new release by its checksum; the server hands out another archive.
    const release = await archive(served, "logo-e", "logo v1.1");
    const tampered = await archive(served, "logo-d", "logo v1.1, tampered");
    const bad = [{ ...model("logo", tampered), sha256: release.sha256 }];
    const r = await provision(root, bad);
    expect(r.ready).toBe(false);
    expect([r.health.code, r.health.stdout]).toEqual([1, r.failure]);
    expect(r.failure).toBe(`model logo: sha256 of ${bad[0].url} is ${tampered.sha256}, expected ${release.sha256}`);
    expect(r.log).toMatch(/tf_models: FAILED: model logo: sha256 .*; models\.config unchanged/);
    expect(readFileSync(join(root, "logo/1/saved_model.pb"), "utf8")).toBe("logo v1");
    expect(readFileSync(join(root, "models.config"), "utf8")).toBe(m.modelsConfig(good));
  });
  it("a download that fails names the model too", async () => {
    const root = mkdtempSync(join(SCRATCH, "models-root-"));
    const r = await provision(root, [{ name: "missing", url: `${base}/missing.tar.gz`, sha256: SHA, version: 1, platform: "tensorflow" }]);
    expect(r.failure).toBe(`model missing: download of ${base}/missing.tar.gz failed`);
    expect(existsSync(join(root, "models.config"))).toBe(false);
  });
});

describe("doctor: each configured model in place with its checksum", () => {
  const fakes = { ROBOTOFF_DOCKER_CLI: join(__dirname, "fixtures/fake-docker.sh"), ROBOTOFF_PULUMI_CLI: join(__dirname, "fixtures/fake-pulumi.sh") };
  const NUTRITION = { ...LOGO, name: "nutrition-table", sha256: "b".repeat(64), version: 2 };
  // In this worker (test/in-process.ts), with the modules imported afresh: a mutation run's mutant is in them.
  const doctor = (env: NodeJS.ProcessEnv) =>
    runMain(m.doctor, ["--stack", "prod-2022", "--config-file", stackFile({ models: [LOGO, NUTRITION] })], { ...fakes, ...env });

  it("says OK for a model whose folder and archive checksum are there, and which one the next deploy downloads", async () => {
    const r = await doctor({ FAKE_NO_MODELS: "nutrition-table" });
    const lines = r.stdout.split("\n");
    expect(lines).toContain(
      `OK   local: model universal-logo-detector 1 is in /srv/robotoff/tf_models/universal-logo-detector/1, from the archive of sha256 ${SHA}`,
    );
    expect(lines).toContain(
      `WARN local: model nutrition-table 2 is not in /srv/robotoff/tf_models/nutrition-table/2 with sha256 ${"b".repeat(64)}: the next deploy downloads it (tf_models), or fails naming it`,
    );
    // tf_models writes models.config: its absence is no failure here.
    expect(lines.some((l) => l.includes("models.config is missing"))).toBe(false);
  });
});
