/** doctor on swarm (tools/doctor/swarm.ts): pinned nodes and Elasticsearch's limits on its node, from what the probes answer. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { planStack } from "../../../models/stack-plan";
import { loadRuntimeConfig } from "../../../tools/shared/stack-file";
import { LIMITS_SCRIPT, swarmFindings, type SwarmProbes } from "../../../tools/doctor/swarm";
import { PROJECT_DIR } from "../../harness";

function plan(memoryLock: boolean) {
  const rc = loadRuntimeConfig(PROJECT_DIR, "staging-2022", join(__dirname, "../../fixtures/Pulumi.staging-swarm.yaml"));
  const raw = { ...rc.config, "robotoff:elasticsearch": JSON.stringify({ memoryLock }) };
  return planStack(raw, "staging", new Set(rc.secretKeys), () => "# mapping\n");
}

const ok = (stdout: string) => ({ code: 0, stdout, stderr: "" });
function probes(nodes: Record<string, string[]>, limits: string): SwarmProbes & { scripts: string[] } {
  const scripts: string[] = [];
  return {
    scripts,
    nodesWithLabel: async (label) => ok((nodes[label] ?? []).join("\n")),
    onLabelledNode: async (label, _image, script) => {
      scripts.push(`${label}: ${script}`);
      return ok(limits);
    },
  };
}
const ONE_EACH = { "robotoff.postgres=true": ["db1"], "robotoff.elasticsearch=true": ["db1"], "robotoff.ml=true": ["ml1"] };

describe("doctor on swarm", () => {
  it("knows, for each pinned service, the config key that pins it (robotoff:swarm.nodeLabels)", () => {
    const pinned = plan(true).spec.services.filter((x) => x.scheduling?.nodeLabel);
    expect(Object.fromEntries(pinned.map((x) => [x.name, [x.scheduling!.nodeLabel, x.scheduling!.nodeLabelKey]]))).toEqual({
      postgres: ["robotoff.postgres=true", "robotoff:swarm.nodeLabels.postgres"],
      postgres_backup: ["robotoff.postgres=true", "robotoff:swarm.nodeLabels.postgres"],
      elasticsearch: ["robotoff.elasticsearch=true", "robotoff:swarm.nodeLabels.elasticsearch"],
      tf_serving: ["robotoff.ml=true", "robotoff:swarm.nodeLabels.tfServing"],
    });
  });
  it("finds each pinned service's node, and probes Elasticsearch's limits on its own node", async () => {
    const p = probes(ONE_EACH, "unlimited\n262144\n262144\n0");
    const findings = await swarmFindings(plan(true), p);
    expect(findings.filter((f) => f.level !== "OK")).toEqual([]);
    expect(findings.map((f) => f.message)).toContain("pinned to node ml1 (robotoff.ml=true)");
    expect(p.scripts).toEqual([`robotoff.elasticsearch=true: ${LIMITS_SCRIPT}`]);
  });
  it("fails a label no node carries, and one two nodes carry, with the command that sets it or takes it off", async () => {
    const findings = await swarmFindings(
      plan(true),
      probes({ ...ONE_EACH, "robotoff.postgres=true": [], "robotoff.ml=true": ["a", "b"] }, "unlimited\n262144\n262144\n0"),
    );
    const failed = findings.filter((f) => f.level === "FAIL");
    // postgres_backup (staging's scheduled dumps) is pinned with postgres.
    expect(failed.map((f) => f.subject)).toEqual(["postgres", "tf_serving", "postgres_backup"]);
    expect(failed[0].message).toBe(
      "0 nodes carry robotoff.postgres=true: exactly one must, the one with its data " +
        "(docker node update --label-add robotoff.postgres=true <node>, or set robotoff:swarm.nodeLabels.postgres to the label that node carries)",
    );
    // Two: the label comes off one of them (issue 26), the command ready to paste.
    expect(failed[1].message).toBe(
      "2 nodes carry robotoff.ml=true (a, b): exactly one must, the one with its data " +
        "(on each other one: docker node update --label-rm robotoff.ml <node>, e.g. docker node update --label-rm robotoff.ml b)",
    );
    expect(failed[2].message).toContain("or set robotoff:swarm.nodeLabels.postgres to");
  });
  it("with memory locking on: fails a limited memlock and too few open files, naming default-ulimits", async () => {
    const failed = (await swarmFindings(plan(true), probes(ONE_EACH, "8192\n1048576\n262144\n0"))).filter((f) => f.level === "FAIL");
    expect(failed.map((f) => f.message.slice(0, 20))).toEqual(["memlock is 8192 on i"]);
    const few = (await swarmFindings(plan(true), probes(ONE_EACH, "unlimited\n1024\n262144\n0"))).filter((f) => f.level === "FAIL");
    expect(few[0].message).toContain("default-ulimits");
  });
  it("with memory locking off: wants swap off on the node instead of memlock", async () => {
    expect((await swarmFindings(plan(false), probes(ONE_EACH, "8192\n262144\n262144\n0"))).filter((f) => f.level !== "OK")).toEqual([]);
    const failed = (await swarmFindings(plan(false), probes(ONE_EACH, "8192\n262144\n262144\n1"))).filter((f) => f.level === "FAIL");
    expect(failed.map((f) => f.message)).toEqual([expect.stringContaining("swapoff -a")]);
  });
});
