/**
 * The offline render: its three formats and --config-file, on stacks rendered in this process. What only
 * the command shows (exit status, stdout, stderr) is in render-command.test.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { envEntry, toTable } from "../../../tools/render/table";
import { toGraph } from "../../../tools/render/graph";
import { toJson } from "../../../tools/render/json";
import { InputError } from "../../../tools/shared/errors";
import { apiHealthTarget } from "../../../tools/livecheck";
import { planStackFile } from "../../../tools/shared/stack-file";
import { CONTAINER, PROJECT_DIR, VOLUME, ofType, renderStack, beforeAllTests, scratchFile } from "../../harness";

const tempConfig = (yaml: string): string => scratchFile("Pulumi.test.yaml", yaml);

const OPTION_KEYS = ["dependsOn", "protect", "retainOnDelete", "deleteBeforeReplace", "ignoreChanges", "replaceOnChanges"];

describe("render --format json", () => {
  let prod: any;
  let prodShown: any;
  beforeAllTests(async () => {
    const r = await renderStack("prod-2022");
    prod = JSON.parse(toJson(r, false));
    prodShown = JSON.parse(toJson(r, true));
  });

  it("outputs apiUrl at the address livecheck fetches it (loopback for every interface)", () => {
    const livecheck = apiHealthTarget(planStackFile(PROJECT_DIR, "prod-2022").plan)!.url;
    expect(prod.outputs.apiUrl).toBe(livecheck);
    expect(prod.outputs.apiUrl).toBe("http://127.0.0.1:5500/api/v1/health");
  });
  it("prints project, stack, resources and outputs", () => {
    expect(Object.keys(prod).sort()).toEqual(["outputs", "project", "resources", "stack"]);
    expect(prod.project).toBe("robotoff");
    expect(prod.stack).toBe("prod-2022");
  });
  it("prints each resource with type, name, parent, custom, inputs and every option", () => {
    for (const r of prod.resources) {
      expect(Object.keys(r).sort()).toEqual(
        r.id === undefined ? ["custom", "inputs", "name", "options", "parent", "type"] : ["custom", "id", "inputs", "name", "options", "parent", "type"],
      );
      expect(Object.keys(r.options).sort()).toEqual([...OPTION_KEYS].sort());
      expect(r.parent === null || /^[\w:/]+::[\w-]+$/.test(r.parent)).toBe(true);
    }
  });
  it("names parents and dependencies as <type>::<name> of resources it printed", () => {
    const keys = new Set(prod.resources.map((r: any) => `${r.type}::${r.name}`));
    for (const r of prod.resources) {
      if (r.parent !== null) expect(keys.has(r.parent)).toBe(true);
      for (const d of r.options.dependsOn) expect(keys.has(d)).toBe(true);
    }
  });
  it("reads a container's image as the image reference (imageId mocked to the name)", () => {
    const api = prod.resources.find((r: any) => r.name === "robotoff-api-container");
    expect(api.inputs.image).toBe("ghcr.io/openfoodfacts/robotoff:sha-0000000000000000000000000000000000000000");
  });
  it("prints a secret as [secret], and as {secret: value} with --show-secrets", () => {
    const api = prod.resources.find((r: any) => r.name === "robotoff-api-container");
    expect(api.inputs.envs).toBe("[secret]");
    expect(prod.outputs.postgresPassword).toBe("[secret]");
    const shown = prodShown.resources.find((r: any) => r.name === "robotoff-api-container");
    expect(shown.inputs.envs.secret).toContain("POSTGRES_PASSWORD=<secure robotoff:postgresPassword>");
    expect(prodShown.outputs.postgresPassword).toEqual({ secret: "<secure robotoff:postgresPassword>" });
  });
  it("prints no secure placeholder anywhere without --show-secrets", () => {
    expect(JSON.stringify(prod)).not.toContain("<secure");
  });
});

describe("render --format table", () => {
  it("prints one line per resource, the containers with their key facts", async () => {
    const lines = toTable(await renderStack("dev-2022"), false)
      .trim()
      .split("\n");
    expect(lines[0]).toMatch(/^robotoff\/dev-2022: \d+ resources$/);
    const count = Number(/(\d+) resources/.exec(lines[0])![1]);
    expect(lines.filter((l) => !l.startsWith("output ")).length).toBe(count + 1);
    const api = lines.find((l) => l.includes("robotoff-api-container"))!;
    expect(api).toContain("port=127.0.0.1:5500->5500/tcp");
    expect(api).toContain("mem=2048MB  mem+swap=4096MB");
    expect(api).toContain("env=[secret]");
    expect(api).toContain("networks=webnet(api),po_default(api)"); // dev: docker/dev.yml's po_local too
    expect(lines.find((l) => l.includes("robotoff-postgres-container"))).toContain("stop=SIGINT/120s");
  });
});

describe("render --format table, prod", () => {
  it("keeps each resource on one line even where a variable holds a file (statsd's mapping), quoted", async () => {
    const lines = toTable(await renderStack("prod-2022"), false)
      .trim()
      .split("\n");
    const count = Number(/(\d+) resources/.exec(lines[0])![1]);
    expect(lines.filter((l) => !l.startsWith("output ")).length).toBe(count + 1);
    const statsd = lines.find((l) => l.includes("robotoff-statsd-container"))!;
    expect(statsd).toContain("tmpfs=/statsd:rw,noexec,nosuid,size=1m");
    const mapping = readFileSync(join(PROJECT_DIR, "monitoring/statsd.conf"), "utf8");
    expect(statsd).toContain(` env=ROBOTOFF_FILE_0=${JSON.stringify(mapping)}`);
  });
});

describe("envEntry", () => {
  it("prints a plain value as it is, and quotes an empty one or one with spaces", () => {
    expect(envEntry("WORKER_COUNT=8")).toBe("WORKER_COUNT=8");
    expect(envEntry("OFF_USER=")).toBe('OFF_USER=""');
    expect(envEntry("ES_JAVA_OPTS=-Xms512m -Xmx512m")).toBe('ES_JAVA_OPTS="-Xms512m -Xmx512m"');
  });
  it("keeps a file's content on one line, newlines escaped, whole", () => {
    expect(envEntry("F=a: 1\nb: 2\n")).toBe('F="a: 1\\nb: 2\\n"');
  });
});

describe("render --format graph", () => {
  it("prints the dependency levels, the api's copies one after the other, then the proxy in front of them", async () => {
    const lines = toGraph(await renderStack("prod-2022"))
      .trim()
      .split("\n");
    expect(lines[0]).toBe("robotoff/prod-2022: 6 levels, each can run in parallel once the one above is done");
    expect(lines[2]).toBe(
      "level 1: robotoff-elasticsearch-container (docker:Container), robotoff-postgres-container (docker:Container), robotoff-statsd-container (docker:Container), robotoff-tf_serving-container (docker:Container)",
    );
    expect(lines[4]).toBe("level 3: robotoff-api-container (docker:Container)");
    expect(lines.slice(5)).toEqual(["level 4: robotoff-api-container-2 (docker:Container)", "level 5: robotoff-api_proxy-container (docker:Container)"]);
  });
});

describe("render config loading", () => {
  it("reads --config-file instead of Pulumi.<stack>.yaml", async () => {
    const file = tempConfig("config:\n  robotoff:environment: dev\n  robotoff:hostRoot: /data/robotoff\n  robotoff:networkName: othernet\n");
    const r = await renderStack("dev-2022", file);
    expect(r.resources.find((x) => x.type === "docker:index/network:Network")!.inputs.name).toBe("othernet");
  });
  it("protects and retains a volume whose lifecycle is retained", async () => {
    const file = tempConfig(
      "config:\n  robotoff:environment: dev\n  robotoff:hostRoot: /srv/robotoff\n  robotoff:volumes:\n    postgresData: { lifecycle: retained }\n",
    );
    const volumes = ofType(await renderStack("dev-2022", file), VOLUME);
    const pg = volumes.find((v) => v.name === "robotoff-postgres-data")!;
    expect(pg.options).toMatchObject({ protect: true, retainOnDelete: true });
    expect(pg.inputs.name).toBe("postgres-data"); // Docker would name an unnamed volume at random: the data lost
    expect(volumes.find((v) => v.name === "robotoff-es-data")!.options).toMatchObject({
      protect: false,
      retainOnDelete: false,
    });
  });
  it("bounds the restarts of every container when the policy is on-failure", async () => {
    const file = tempConfig(
      'config:\n  robotoff:environment: dev\n  robotoff:hostRoot: /srv/robotoff\n  robotoff:restartPolicy: on-failure\n  robotoff:restartMaxRetries: "3"\n',
    );
    const containers = ofType(await renderStack("dev-2022", file), CONTAINER);
    expect(containers.length).toBe(6);
    for (const c of containers) expect([c.inputs.restart, c.inputs.maxRetryCount]).toEqual(["on-failure", 3]);
  });
});

// The render validates a stack file before it runs the program (tools/render/index.ts); the program validates again
// on its own, as under `pulumi up`: a config it refuses stops it with a RunError, which the render reports as bad input.
describe("the program, on a config it refuses", () => {
  it("stops naming the key: a password in plaintext, told apart from secure values by the SDK", async () => {
    const file = tempConfig(
      "config:\n  robotoff:environment: prod\n  robotoff:hostRoot: /srv/robotoff\n  robotoff:postgresPassword: hunter2\n  robotoff:ipcAuthkey:\n    secure: v1:placeholder\n",
    );
    const error = await renderStack("prod-2022", file).catch((err) => err);
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("robotoff:postgresPassword: expected a secret value (set with --secret), found a plaintext value");
    expect(error.message, "a value the SDK holds as secret").not.toContain("robotoff:ipcAuthkey: expected a secret value");
  });
});
