/**
 * What a newcomer's review found wrong in the fixes the tools print: doctor's advice for a dev hostRoot
 * that is no checkout, numbers where text, sizes or durations go, variables the stack sets itself in
 * app.env, fixes that ignored --config-file, and the apiUrl output against livecheck's address.
 */
import { runScript } from "../../script";
import type { StackConfig } from "../../../models/config";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { CommandResult } from "../../../tools/shared/command";
import type { Probes } from "../../../tools/doctor/checks";
import type { RuntimeConfig } from "../../../tools/shared/stack-file";
import type { StackPlan } from "../../../models/stack-plan";
import { freshModules, PROJECT_DIR, stackFileWith } from "../../harness";

// Imported afresh before the tests (test/harness.ts freshModules): a mutation run's mutant is in them.
const m = freshModules(async () => ({
  ...(await import("../../../models/config-error")),
  ...(await import("../../../models/validate")),
  ...(await import("../../../tools/doctor/checks")),
  ...(await import("../../../tools/shared/stack-file")),
}));

/** A shipped stack file with `change` applied to its config, written as `name` (test/harness.ts stackFileWith). */
const shippedWith = (stack: string, name: string, change: (config: Record<string, any>) => void) =>
  stackFileWith(join(PROJECT_DIR, `Pulumi.${stack}.yaml`), change, name);

/** The ConfigError message for a stack file, validated as the tools do. */
function configMessage(stack: string, configFile: string): string {
  try {
    m.planStackFile(PROJECT_DIR, stack, configFile);
  } catch (err) {
    if (err instanceof m.ConfigError) return err.message;
    throw err;
  }
  throw new Error(`${configFile} was accepted`);
}

const passing: Probes = {
  pulumi: async () => ({ code: 0, stdout: "v3.200.0", stderr: "" }),
  engine: async () => ({ code: 0, stdout: "28.2.2", stderr: "" }),
  memTotal: async () => ({ code: 0, stdout: String(64 * 1024 ** 3), stderr: "" }),
  volume: async () => ({ code: 0, stdout: "[]", stderr: "" }),
  network: async () => ({ code: 0, stdout: "[]", stderr: "" }),
  containerPorts: async () => ({ code: 0, stdout: "", stderr: "" }),
  // Every bind source is missing, as on a machine without the checkout.
  inProbe: async (_url, _image, command, r) =>
    r?.mounts?.length
      ? { code: 125, stdout: "", stderr: "bind source path does not exist" }
      : { code: 0, stdout: command[0] === "cat" ? "262144" : "", stderr: "" },
};

describe("doctor, dev with a hostRoot that is no Robotoff checkout", () => {
  let runtime: RuntimeConfig;
  let plan: StackPlan;
  beforeAll(() => {
    ({ runtime, plan } = m.planStackFile(PROJECT_DIR, "dev-2022"));
  });
  const lines = (findings: { level: string; subject: string; message: string }[]) => findings.map((f) => `${f.level} ${f.subject}: ${f.message}`);

  it("says it in one FAIL naming robotoff:hostRoot, and no line per mount under it", async () => {
    const checkout = m.checkoutCheck(runtime, plan, () => "missing");
    expect(lines(checkout.findings)).toEqual([
      "FAIL config: robotoff:hostRoot /srv/robotoff does not exist on this machine: with dev.enabled it must be your Robotoff checkout " +
        "(the openfoodfacts/robotoff:dev image is built from it on the machine that runs Pulumi, and its sources are mounted); " +
        "pulumi config set robotoff:hostRoot <your Robotoff checkout> --stack dev-2022",
    ]);
    const findings = await m.planChecks(m.withoutBindsUnder(m.hostPlans(plan), checkout.notCheckouts), passing);
    expect(
      lines(findings).filter((l) => l.includes("/srv/robotoff")),
      "per-mount lines under hostRoot",
    ).toEqual([]);
  });
  it("names a folder without a Dockerfile as such", () => {
    expect(m.checkoutCheck(runtime, plan, () => "no Dockerfile").findings[0].message).toContain(
      "robotoff:hostRoot /srv/robotoff has no Dockerfile on this machine",
    );
  });
  it("checks each mount of a real checkout, as before", async () => {
    const checkout = m.checkoutCheck(runtime, plan, () => "ready");
    expect(checkout.findings.map((f) => f.level)).toEqual(["OK"]);
    const findings = await m.planChecks(m.withoutBindsUnder(m.hostPlans(plan), checkout.notCheckouts), passing);
    expect(findings.filter((f) => f.message.startsWith("/srv/robotoff/")).length, "one line per bind folder").toBe(m.hostPlans(plan)[0].binds.length);
  });
  it("keeps the mount lines of another Docker host, whose folders are not this machine's", () => {
    const remote = { ...m.hostPlans(plan)[0], host: "far", url: "ssh://deploy@far" };
    expect(m.withoutBindsUnder([remote], ["/srv/robotoff"])[0].binds).toEqual(remote.binds);
  });
  it("has nothing to say outside dev (no image is built)", () => {
    const prod = m.planStackFile(PROJECT_DIR, "prod-2022");
    expect(m.checkoutCheck(prod.runtime, prod.plan, () => "missing")).toEqual({ findings: [], notCheckouts: [] });
  });
});

describe("numbers where text, a size or a duration goes", () => {
  it("a size or a duration given as a bare number is told the unit it needs", () => {
    const file = shippedWith("dev-2022", "bare-numbers.yaml", (c) => (c["robotoff:postgres"] = { memory: 6144, waitTimeout: 90 }));
    const message = configMessage("dev-2022", file);
    expect(message).toContain("robotoff:postgres.memory: expected a compose size like 6g or 6144m, found 6144");
    expect(message).toContain("robotoff:postgres.waitTimeout: expected a duration like 90s, found 90");
  });
  it("text keys take back the whole numbers pulumi config set --path stores", () => {
    const file = shippedWith("dev-2022", "whole-numbers.yaml", (c) => {
      Object.assign(c["robotoff:app"], { instance: 2, domain: 1234, staticOffDomain: 5678 });
      c["robotoff:postgres"] = { user: 1000, db: 42 };
      Object.assign(c["robotoff:dev"], { target: 7 });
    });
    const config = m.planStackFile(PROJECT_DIR, "dev-2022", file).plan.config as StackConfig;
    expect([config.app.instance, config.app.domain, config.app.staticOffDomain, config.postgres.user, config.postgres.db, config.dev.target]).toEqual([
      "2",
      "1234",
      "5678",
      "1000",
      "42",
      "7",
    ]);
  });
  it("a text value YAML read as a fraction is told to quote it (3.10 reads 3.1)", () => {
    const file = shippedWith("dev-2022", "fractions.yaml", (c) => {
      c["robotoff:app"].tag = 1.5;
      c["robotoff:dev"].pythonVersion = 3.1;
    });
    const message = configMessage("dev-2022", file);
    expect(message).toMatch(
      /robotoff:dev\.pythonVersion: expected text \(quote it in the stack file: YAML reads an unquoted 3\.10 as the number 3\.1\), found 3\.1\n/,
    );
    expect(message).toMatch(/robotoff:app\.tag: expected an image tag like latest or sha-<commit> \(quote it in the stack file[^)]*\), found 1\.5\n/);
  });
  it("a boolean where text goes is told what was expected, and not to quote a number", () => {
    const file = shippedWith("dev-2022", "booleans.yaml", (c) => {
      c["robotoff:dev"].pythonVersion = true;
      c["robotoff:postgres"] = { memory: false };
    });
    const message = configMessage("dev-2022", file);
    expect(message).toContain("robotoff:dev.pythonVersion: expected text, found true\n");
    expect(message).toContain("robotoff:postgres.memory: expected a compose size like 6g or 6144m, found false\n");
  });
});

describe("a variable the stack sets itself, in app.env", () => {
  const messageFor = (env: Record<string, string>) => {
    const runtime = m.loadRuntimeConfig(PROJECT_DIR, "dev-2022");
    const app = JSON.parse(runtime.config["robotoff:app"]);
    const raw = { ...runtime.config, "robotoff:app": JSON.stringify({ ...app, env }) };
    try {
      m.parseStackConfig(raw, "dev-2022", new Set(runtime.secretKeys));
    } catch (err) {
      if (err instanceof m.ConfigError) return err.message;
      throw err;
    }
    throw new Error("accepted");
  };
  it("is removed from app.env, then set with the key it comes from", () => {
    const message = messageFor({ IPC_PORT: "1" });
    expect(message).toContain(
      "fix: pulumi config rm --path 'robotoff:app.env.IPC_PORT' --stack dev-2022\n    then: pulumi config set --path 'robotoff:app.ipcPort' <value> --stack dev-2022",
    );
    expect(message, "setting the variable again can never pass").not.toContain("config set --path 'robotoff:app.env.IPC_PORT'");
  });
  it("a secret's variable: the secret is set with --secret", () => {
    expect(messageFor({ IPC_AUTHKEY: "k" })).toContain("then: pulumi config set --secret 'robotoff:ipcAuthkey' <value> --stack dev-2022");
  });
  it("a variable with a fixed value: only removed", () => {
    const message = messageFor({ REAL_TIME_IMAGE_PREDICTION: "0" });
    expect(message).toContain("fix: pulumi config rm --path 'robotoff:app.env.REAL_TIME_IMAGE_PREDICTION' --stack dev-2022");
    expect(message).not.toContain("then:");
  });
});

describe("fixes name the --config-file the config was read from", () => {
  const typo = () => shippedWith("dev-2022", "my dev.yaml", (c) => (c["robotoff:app"].offUsr = "x"));

  it("in a config error (livecheck, doctor)", () => {
    const file = typo();
    const message = configMessage("prod-2022", file);
    expect(message).toContain(`Invalid config for stack prod-2022, read from ${file}`);
    expect(message).toContain(`fix: pulumi config rm --path 'robotoff:app.offUsr' --stack prod-2022 --config-file '${file}'`);
    expect(message, "a fix without the file would edit Pulumi.prod-2022.yaml").not.toMatch(/--stack prod-2022$/m);
  });
  it("in doctor's placeholder lines", () => {
    const file = shippedWith("prod-2022", "prod-copy.yaml", () => {});
    const { runtime, plan } = m.planStackFile(PROJECT_DIR, "prod-2022", file);
    const messages = m.placeholderFindings(runtime, plan).map((f) => f.message);
    expect(messages.length).toBeGreaterThan(0);
    for (const message of messages) expect(message).toMatch(new RegExp(`--stack prod-2022 --config-file ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`));
  });
  it("in the render, whose program only knows the stack", async () => {
    const file = typo();
    const render: CommandResult = await runScript("render", ["--stack", "dev-2022", "--config-file", file]);
    expect(render.code).toBe(1);
    expect(render.stderr).toContain(`fix: pulumi config rm --path 'robotoff:app.offUsr' --stack dev-2022 --config-file '${file}'`);
  }, 60_000);
});
