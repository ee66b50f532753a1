/** The GitHub workflows: valid for a maintained validator, and doing what the README says. */
import { readdirSync, readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { run } from "../tools/shared/command";
import { dockerFailingFor, PROJECT_DIR, stackFileWith } from "./harness";

const DIR = join(PROJECT_DIR, ".github/workflows");
const files = readdirSync(DIR).filter((f) => f.endsWith(".yml"));
const validator = join(PROJECT_DIR, "node_modules/.bin/action-validator");
const validate = async (file: string) => {
  const { code, stdout, stderr } = await run(validator, [file]);
  return { code, out: stdout + stderr };
};
const workflow = (name: string): any => load(readFileSync(join(DIR, name), "utf8"));
const steps = (job: any): any[] => job.steps;

describe("workflow files", () => {
  it.each(files)("%s passes action-validator", async (file) => {
    const { code, out } = await validate(join(DIR, file));
    expect(out).not.toContain('"errors"');
    expect(code).toBe(0);
  });
  it("action-validator rejects a broken workflow (the check can fail)", async () => {
    const bad = join(mkdtempSync(join(tmpdir(), "wf-")), "bad.yml");
    writeFileSync(bad, "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n");
    expect((await validate(bad)).code).not.toBe(0);
  });
});

describe("pull requests", () => {
  const wf = workflow("pull-request.yml");
  it("run npm ci and npm test", () => {
    expect(
      steps(wf.jobs.test)
        .map((s) => s.run)
        .filter(Boolean),
    ).toEqual(["npm ci", "npm test"]);
  });
  it("preview each stack after the tests, transpile-only", () => {
    expect(wf.jobs.preview.needs).toBe("test");
    expect(wf.jobs.preview.strategy.matrix.stack).toEqual(["dev", "staging", "prod"]);
    expect(wf.jobs.preview.env.PULUMI_NODEJS_TRANSPILE_ONLY).toBe("true");
  });
  it("diff the 2022-09 stacks offline too, with no environment and no live preview", () => {
    const job = wf.jobs["offline-2022"];
    expect([job.needs, job.strategy.matrix.stack, job.environment]).toEqual(["test", ["dev-2022", "staging-2022", "prod-2022"], undefined]);
    const runs = steps(job)
      .map((s) => s.run)
      .filter(Boolean);
    expect(runs[0]).toBe("npm ci");
    expect(runs[1]).toContain("npm run --silent render -- --stack ${{ matrix.stack }} --diff origin/${{ github.base_ref }}");
    expect(steps(job).some((s) => String(s.uses).startsWith("pulumi/actions"))).toBe(false);
  });
  it("write the offline diff against the base branch to the job summary", () => {
    const diff = steps(wf.jobs.preview).find((s) => String(s.run).includes("--diff"));
    expect(diff.run).toContain("npm run --silent render -- --stack ${{ matrix.stack }} --diff origin/${{ github.base_ref }}");
    expect(diff.run).toContain("$GITHUB_STEP_SUMMARY");
  });
  it("run pulumi preview with the policy pack and a PR comment, only when the backend secret is there", () => {
    const preview = steps(wf.jobs.preview).find((s) => String(s.uses).startsWith("pulumi/actions"));
    expect(preview.with).toMatchObject({ command: "preview", "comment-on-pr": true, diff: true, policyPacks: "policy" });
    expect(preview.with["cloud-url"]).toBe("${{ env.PULUMI_BACKEND_URL }}");
    expect(preview.if).toBe("env.PULUMI_BACKEND_URL != ''");
    const notice = steps(wf.jobs.preview).find((s) => s.if === "env.PULUMI_BACKEND_URL == ''");
    expect(notice.run).toContain("::notice");
  });
});

describe("deploys", () => {
  const wf = workflow("deploy.yml");
  it("run on the main branch and on version tags", () => {
    expect(wf.on.push).toEqual({ branches: ["main"], tags: ["v*"] });
  });
  it("send tags to prod and main to staging, in that environment, one at a time", () => {
    const job = wf.jobs.deploy;
    expect(job.env.STACK).toBe("${{ startsWith(github.ref, 'refs/tags/') && 'prod' || 'staging' }}");
    expect(job.environment).toBe(job.env.STACK);
    expect(job.concurrency["cancel-in-progress"]).toBe(false);
  });
  it("test, pulumi up with the policy pack, then livecheck", () => {
    const s = steps(wf.jobs.deploy);
    const up = s.findIndex((x) => String(x.uses).startsWith("pulumi/actions") && x.with?.command === "up");
    expect(s[up].with).toMatchObject({ command: "up", policyPacks: "policy" });
    // Refreshed first, as every up of the project is (Pulumi.yaml): what was changed by hand is put back (issue 24).
    expect(s[up].with.refresh).toBe(true);
    expect((load(readFileSync(join(PROJECT_DIR, "Pulumi.yaml"), "utf8")) as any).options).toEqual({ refresh: "always" });
    expect(s.findIndex((x) => x.run === "npm test")).toBeLessThan(up);
    expect(s.findIndex((x) => String(x.run).startsWith("npm run livecheck"))).toBeGreaterThan(up);
  });
  it("after a failed deploy, runs livecheck, which says which api copy a failed release left down and what to do (issue 18)", () => {
    const s = steps(wf.jobs.deploy);
    const up = s.findIndex((x) => String(x.uses).startsWith("pulumi/actions") && x.with?.command === "up");
    const after = s.findIndex((x) => x.name === "What runs, after a failed deploy");
    expect(after).toBeGreaterThan(up);
    expect([s[after].if, s[after].run]).toEqual(["failure()", 'npm run --silent livecheck -- --stack "$STACK" || true']);
  });
});

describe("at most 8 resources at once, for Docker hosts over ssh", () => {
  it("in the deploy's pulumi up and its preview for the dump, and in the pull requests' preview", () => {
    const deploy = steps(workflow("deploy.yml").jobs.deploy);
    expect(deploy.find((s) => s.with?.command === "up").with.parallel).toBe(8);
    expect(deploy.find((s) => String(s.run).includes("pulumi preview")).run).toContain('pulumi preview --stack "$STACK" --parallel 8 --json');
    expect(steps(workflow("pull-request.yml").jobs.preview).find((s) => s.with?.command === "preview").with.parallel).toBe(8);
  });
});

describe("every Docker host answers before a deploy touches anything (issue 17)", () => {
  const s = steps(workflow("deploy.yml").jobs.deploy);
  const preflight = s.findIndex((x) => x.name === "Every Docker host answers");

  it("asks every host of the stack (doctor --preflight) after the ssh set-up, before the backup and pulumi up", () => {
    expect(s[preflight].run).toBe('npm run --silent doctor -- --stack "$STACK" --preflight');
    expect(s[preflight].if).toBeUndefined();
    expect(preflight).toBeGreaterThan(s.findIndex((x) => x.name === "SSH to the stack's Docker hosts"));
    expect(preflight).toBeLessThan(s.findIndex((x) => x.name === "Back up the database if this deploy replaces postgres"));
    expect(preflight).toBeLessThan(s.findIndex((x) => x.with?.command === "up"));
  });

  it("fails the job with the host and the fix when a host does not answer", async () => {
    const broken = dockerFailingFor(
      "ssh://deploy@ml.openfoodfacts.org",
      "error during connect: ... stderr=deploy@ml.openfoodfacts.org: Permission denied (publickey).",
    );
    const stackFile = stackFileWith(join(__dirname, "fixtures/Pulumi.prod-two-hosts.yaml"), () => {}, "Pulumi.prod-2022.yaml");
    const script = (s[preflight].run as string).replace('--stack "$STACK"', `--stack "$STACK" --config-file ${stackFile}`);
    const r = await run("bash", ["-e", "-c", script], { env: { STACK: "prod-2022", ROBOTOFF_DOCKER_CLI: broken }, cwd: PROJECT_DIR });
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n")).toEqual([
      expect.stringMatching(/^OK   local: Docker Engine /),
      expect.stringMatching(
        /^FAIL ml: Docker Engine not reachable at ssh:\/\/deploy@ml\.openfoodfacts\.org: ml\.openfoodfacts\.org refused the ssh key for deploy: check the key that robotoff:hosts\.ml\.sshOpts names with -i/,
      ),
    ]);
  });
});

describe("a dump before a prod deploy that replaces postgres (issue 10)", () => {
  const s = steps(workflow("deploy.yml").jobs.deploy);
  const backup = s.find((x) => x.name === "Back up the database if this deploy replaces postgres");
  const up = s.findIndex((x) => x.with?.command === "up");

  it("runs in prod only, after the Pulumi CLI is installed and before pulumi up", () => {
    expect(backup.if).toBe("env.STACK == 'prod'");
    const cli = s.findIndex((x) => x.name === "Install the Pulumi CLI");
    expect(s[cli]).toMatchObject({ uses: "pulumi/actions@v6", if: "env.STACK == 'prod'" });
    expect(s[cli].with?.command).toBeUndefined();
    expect(cli).toBeLessThan(s.indexOf(backup));
    expect(s.indexOf(backup)).toBeLessThan(up);
  });

  /** The step's script in bash, with a stand-in pulumi that answers `preview --json` with a fixture. */
  async function runStep(preview: string) {
    const bin = mkdtempSync(join(tmpdir(), "wf-pulumi-"));
    writeFileSync(
      join(bin, "pulumi"),
      `#!/bin/sh\necho "$*" >> "${bin}/calls"\n[ "$1" = preview ] && cat "${join(__dirname, "fixtures/previews", preview)}"\nexit 0\n`,
      { mode: 0o755 },
    );
    const env = {
      PATH: `${bin}:${process.env.PATH}`,
      STACK: "prod-2022",
      RUNNER_TEMP: bin,
      PULUMI_BACKEND_URL: "file:///state",
      ROBOTOFF_DOCKER_CLI: join(__dirname, "fixtures/fake-docker.sh"),
      FAKE_EXEC_STDOUT: "/backups/postgres-20261129T030000Z.dump",
    };
    const r = await run("bash", ["-e", "-c", backup.run], { env, cwd: PROJECT_DIR });
    return { ...r, calls: readFileSync(join(bin, "calls"), "utf8").trim().split("\n") };
  }
  it("previews prod as JSON, then dumps when the preview replaces postgres", async () => {
    const r = await runStep("postgres-replaced.json");
    expect(r.calls).toEqual(["login file:///state", "preview --stack prod-2022 --parallel 8 --json"]);
    expect([r.code, r.stdout]).toEqual([0, "/srv/robotoff/backups/postgres-20261129T030000Z.dump"]);
  });
  it("deploys without a dump when it does not", async () => {
    const r = await runStep("app-tag.json");
    expect([r.code, r.stdout]).toEqual([0, "the preview neither replaces postgres nor runs the migrations again: no backup taken"]);
  });
});

describe("SSH to ssh:// Docker hosts (issue 9, finding 6)", () => {
  const jobs = [
    ["pull-request.yml", "preview"],
    ["deploy.yml", "deploy"],
  ] as const;
  const sshStep = (job: any) => steps(job).find((s) => s.name === "SSH to the stack's Docker hosts");

  it.each(jobs)("%s sets up the deploy key and pinned host keys before pulumi runs", (file, jobName) => {
    const job = workflow(file).jobs[jobName];
    const s = steps(job);
    const ssh = s.indexOf(sshStep(job));
    expect(ssh).toBeGreaterThanOrEqual(0);
    expect(ssh).toBeLessThan(s.findIndex((x) => String(x.uses).startsWith("pulumi/actions")));
    expect(job.env.HAS_DOCKER_SSH_KEY).toBe("${{ secrets.DOCKER_SSH_KEY != '' }}");
    expect(s[ssh].if).toBe("env.HAS_DOCKER_SSH_KEY == 'true'");
    expect(s[ssh].env).toEqual({ DOCKER_SSH_KEY: "${{ secrets.DOCKER_SSH_KEY }}", DOCKER_SSH_KNOWN_HOSTS: "${{ secrets.DOCKER_SSH_KNOWN_HOSTS }}" });
  });

  it("leaves the key in an agent that later steps reach, and the host keys in known_hosts", async () => {
    const script = sshStep(workflow("deploy.yml").jobs.deploy).run as string;
    const home = mkdtempSync(join(tmpdir(), "wf-ssh-"));
    const key = join(home, "key");
    expect((await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "robotoff-deploy", "-f", key])).code).toBe(0);
    const githubEnv = join(home, "github_env");
    writeFileSync(githubEnv, "");
    const env = { HOME: home, GITHUB_ENV: githubEnv, DOCKER_SSH_KEY: readFileSync(key, "utf8"), DOCKER_SSH_KNOWN_HOSTS: "ml.example ssh-ed25519 AAAAC3Nza" };
    const r = await run("bash", ["-e", "-c", script], { env });
    expect(r.code).toBe(0);
    expect(readFileSync(join(home, ".ssh/known_hosts"), "utf8")).toBe("ml.example ssh-ed25519 AAAAC3Nza\n");
    const exported = Object.fromEntries(
      readFileSync(githubEnv, "utf8")
        .trim()
        .split("\n")
        .map((l) => l.split("=", 2)),
    );
    try {
      const listed = await run("ssh-add", ["-l"], { env: { SSH_AUTH_SOCK: exported.SSH_AUTH_SOCK } });
      expect(listed.stdout).toContain("robotoff-deploy");
    } finally {
      process.kill(Number(exported.SSH_AGENT_PID));
    }
  });

  it("fails the job, saying why, when the host keys are not pinned", async () => {
    const script = sshStep(workflow("deploy.yml").jobs.deploy).run as string;
    const home = mkdtempSync(join(tmpdir(), "wf-ssh-"));
    const r = await run("bash", ["-e", "-c", script], { env: { HOME: home, GITHUB_ENV: join(home, "env"), DOCKER_SSH_KEY: "x", DOCKER_SSH_KNOWN_HOSTS: "" } });
    expect([r.code, r.stdout]).toEqual([1, expect.stringContaining("DOCKER_SSH_KNOWN_HOSTS is empty")]);
  });
});
