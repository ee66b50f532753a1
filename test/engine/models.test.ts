/**
 * robotoff:tfServing.models on the real Engine: tf_models and tf_serving of the staging stack, replayed with the
 * tier's names, download archives this test makes from a small HTTP server container of its own on the stack
 * network. First deploy: downloaded, checked, unpacked, models.config written, tf_serving serves the model.
 * A restart with the same list downloads nothing. A changed checksum fails the create (its wait for health),
 * names the model in tf_models' log, and leaves the served files and models.config as they were.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { dump, load } from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelsConfig } from "../../models/tf-models";
import { run } from "../../tools/shared/command";
import { stackFileWith } from "../harness";
import { engineAnswers } from "./engine-api";
import { createContainer, deleteContainer, findImage, inspectContainer } from "./replay";
import { applyStack, PREFIX, prepareStack, PROJECT_DIR, removeStack, renderForEngine, type StackUnderTest } from "./stack-under-test";
import type { EngineRender } from "./render-json";
import { ensureStandIns, removeStandInTags } from "./stand-ins/images";

const log = (line: string) => process.stdout.write(`[models] ${line}\n`);
const LABEL = "md";
const PROBE = `${PREFIX}stand-in/probe:1`;
const SERVER = `${PREFIX}${LABEL}-archives`;
const CONTAINER = "docker:index/container:Container";
const name = (service: string) => `${PREFIX}${LABEL}-${service}`;
const KEEP = new Set([name("tf_models"), name("tf_serving")]);

let sut: StackUnderTest;
let archives = "";
let sha256 = "";
const standInTags: string[] = [];

/** staging with one model served by the test's server, nothing published, a short wait for the models. */
function stackFile(sha: string): string {
  const change = (c: Record<string, any>) => {
    c["robotoff:app"] = { ...c["robotoff:app"], api: { expose: { http: null } } };
    c["robotoff:postgres"] = { ...c["robotoff:postgres"], expose: { postgres: null } };
    c["robotoff:monitoring"] = { ...c["robotoff:monitoring"], statsd: { expose: { metrics: null } } };
    c["robotoff:tfServing"] = {
      expose: { grpc: null, rest: null },
      modelsTimeout: "40s",
      models: [{ name: "logo", url: "http://archives:8000/logo.tar.gz", sha256: sha }],
    };
  };
  return stackFileWith(join(PROJECT_DIR, "Pulumi.staging-2022.yaml"), change, undefined, mkdtempSync(join(tmpdir(), `${PREFIX}${LABEL}-file-`)));
}
/** The render with only what this test replays: network, images, tf_models and tf_serving. */
const only = (render: EngineRender, containers: boolean): EngineRender => ({
  ...render,
  resources: render.resources.filter((r) =>
    r.type === CONTAINER ? containers && KEEP.has(r.inputs.name) : containers ? r.type.endsWith("RemoteImage") : true,
  ),
});
const requests = async () => (await run("docker", ["logs", SERVER])).stderr.split("\n").filter((l) => l.includes("GET /logo.tar.gz")).length;
const modelsDir = () => join(sut.hostRoot, "tf_models");

beforeAll(async () => {
  if (!(await engineAnswers())) throw new Error("no Docker Engine answers on this machine");
  // The archive: saved_model/ as robotoff-models releases hold it.
  archives = mkdtempSync(join(tmpdir(), `${PREFIX}${LABEL}-archives-`));
  mkdirSync(join(archives, "src/saved_model/variables"), { recursive: true });
  writeFileSync(join(archives, "src/saved_model/saved_model.pb"), "logo detector v1");
  const tar = await run("tar", ["-czf", join(archives, "logo.tar.gz"), "-C", join(archives, "src"), "saved_model"]);
  if (tar.code !== 0) throw new Error(tar.stderr);
  sha256 = createHash("sha256")
    .update(readFileSync(join(archives, "logo.tar.gz")))
    .digest("hex");

  const file = stackFile(sha256);
  const full = await prepareStack("staging-2022", LABEL, file);
  rmSync(dirname(file), { recursive: true, force: true });
  sut = full;
  standInTags.push(...(await ensureStandIns({ ...full.render.outputs.images }, { log, extraTags: { probe: PROBE } })).created);
  // The network first, then the test's server on it, then the containers, as the render orders them.
  await applyStack({ ...full, render: only(full.render, false) }, { log });
  const network = full.render.resources.find((r) => r.type === "docker:index/network:Network")!.inputs.name;
  const started = await run("docker", [
    "run",
    "-d",
    "--name",
    SERVER,
    "--network",
    network,
    "--network-alias",
    "archives",
    "-v",
    `${archives}:/srv:ro`,
    "--entrypoint",
    "python3",
    PROBE,
    "-m",
    "http.server",
    "8000",
    "--directory",
    "/srv",
  ]);
  if (started.code !== 0) throw new Error(started.stderr);
  await applyStack({ ...full, render: only(full.render, true) }, { log });
}, 1_200_000);

afterAll(async () => {
  await run("docker", ["rm", "-f", SERVER]);
  if (archives) rmSync(archives, { recursive: true, force: true });
  if (sut) await removeStack(sut);
  await removeStandInTags(standInTags);
}, 600_000);

describe("tf_serving models from config", () => {
  it("first deploy: downloads the archive once, unpacks it at <name>/<version>, writes models.config; tf_serving serves it", async () => {
    expect(readFileSync(join(modelsDir(), "logo/1/saved_model.pb"), "utf8")).toBe("logo detector v1");
    expect(readFileSync(join(modelsDir(), "models.config"), "utf8")).toBe(
      modelsConfig([{ name: "logo", url: "http://archives:8000/logo.tar.gz", sha256, version: 1, platform: "tensorflow" }]),
    );
    expect(await requests()).toBe(1);
    expect((await inspectContainer(name("tf_models"))).State.Health.Status).toBe("healthy");
    expect((await inspectContainer(name("tf_serving"))).State.Health.Status).toBe("healthy");
    const served = await run("docker", [
      "exec",
      name("tf_serving"),
      "bash",
      "-c",
      "exec 3<>/dev/tcp/127.0.0.1/8501 && printf 'GET /v1/models/logo HTTP/1.0\\r\\n\\r\\n' >&3 && head -1 <&3",
    ]);
    expect(served.stdout).toMatch(/^HTTP\/1\.[01] 200/);
  });
  it("an unchanged list: the same container inputs (nothing for a deploy to do), and a restart downloads nothing", async () => {
    const again = renderForEngine("staging-2022", sut.configFile);
    const now = sut.render.resources.find((r) => r.inputs.name === name("tf_models"))!;
    expect(again.resources.find((r) => r.inputs.name === name("tf_models"))!.inputs).toEqual(now.inputs);
    expect((await run("docker", ["restart", name("tf_models")])).code).toBe(0);
    for (let i = 0; i < 30 && (await inspectContainer(name("tf_models"))).State.Health?.Status !== "healthy"; i++)
      await new Promise((r) => setTimeout(r, 1000));
    expect((await inspectContainer(name("tf_models"))).State.Health.Status).toBe("healthy");
    expect(await requests()).toBe(1);
  }, 120_000);
  it("a changed checksum that the archive does not match: the create fails, the log names the model, the served files stay", async () => {
    const wrong = "0".repeat(64);
    const tier = load(readFileSync(sut.configFile, "utf8")) as any;
    tier.config["robotoff:tfServing"].models[0].sha256 = wrong;
    writeFileSync(sut.configFile, dump(tier));
    const render = renderForEngine("staging-2022", sut.configFile);
    const next = render.resources.find((r) => r.inputs.name === name("tf_models"))!;
    // replaceOnChanges/deleteBeforeReplace: the old container goes, the new one is created and waited for.
    const old = [...sut.containers.entries()].find(([, c]) => c.inputs.name === name("tf_models"))!;
    await deleteContainer(old[1].id, old[1].inputs);
    sut.containers.delete(old[0]);
    const image = await findImage(next.inputs.image);
    await expect(createContainer(next.inputs, image, { log })).rejects.toThrow(/container failed to be in healthy state/);
    const left = await inspectContainer(name("tf_models"));
    sut.containers.set(old[0], { id: left.Id, inputs: next.inputs, resource: next });
    const logs = await run(
      process.execPath,
      [
        "--require",
        "./tools/register.js",
        "tools/ops/index.ts",
        "--stack",
        "staging-2022",
        "--config-file",
        sut.configFile,
        "logs",
        "--tail",
        "5",
        "tf_models",
      ],
      { cwd: PROJECT_DIR },
    );
    expect(`${logs.stdout}${logs.stderr}`).toContain(
      `tf_models: FAILED: model logo: sha256 of http://archives:8000/logo.tar.gz is ${sha256}, expected ${wrong}; models.config unchanged`,
    );
    expect(readFileSync(join(modelsDir(), "logo/1/saved_model.pb"), "utf8")).toBe("logo detector v1");
    expect(readFileSync(join(modelsDir(), "logo/.1.sha256"), "utf8").trim()).toBe(sha256);
    expect(readFileSync(join(modelsDir(), "models.config"), "utf8")).toContain('name: "logo"');
    expect(existsSync(join(modelsDir(), ".provisioning"))).toBe(false);
    expect((await inspectContainer(name("tf_serving"))).State.Running).toBe(true);
  }, 180_000);
});
