/**
 * doctor on robotoff:target swarm: each pinned service has exactly one node with its label, and on
 * Elasticsearch's node the limits its config chose: memlock unlimited and enough open files from the
 * daemon's default-ulimits (Swarm services take no ulimits), or, with memory locking off, swap off.
 */
import type { StackPlan } from "../../models/stack-plan";
import { lastLine } from "../shared/command";
import type { Docker } from "../shared/docker";
import type { Finding, Probe } from "./checks";
import { MIN_MAX_MAP_COUNT } from "./checks";

export interface SwarmProbes {
  /** Host names of the nodes that carry `key=value` (`docker node ls --filter node.label=...`). */
  nodesWithLabel(label: string): Promise<Probe>;
  /** Runs `sh -c script` once, in `image`, on a node that carries the label (a one-off service); its output. */
  onLabelledNode(label: string, image: string, script: string): Promise<Probe>;
}

/** What the probe on Elasticsearch's node prints, one value a line. */
export const LIMITS_SCRIPT = "ulimit -Hl; ulimit -Hn; cat /proc/sys/vm/max_map_count; tail -n +2 /proc/swaps | wc -l";

export async function swarmFindings(plan: StackPlan, probe: SwarmProbes): Promise<Finding[]> {
  return [...(await labelFindings(plan, probe)), ...(await limitFindings(plan, probe))];
}

/** Each pinned service's label: exactly one node must carry it (asks the manager; runs nothing on the swarm). */
export async function labelFindings(plan: StackPlan, probe: Pick<SwarmProbes, "nodesWithLabel">): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const s of plan.spec.services) {
    const label = s.scheduling?.nodeLabel;
    if (!label) continue;
    const r = await probe.nodesWithLabel(label);
    const nodes = r.stdout.split("\n").filter(Boolean);
    if (r.code !== 0)
      findings.push({ level: "FAIL", subject: s.name, message: `cannot list the swarm's nodes (${lastLine(r)}): run doctor against a manager` });
    else if (nodes.length === 0) {
      findings.push({
        level: "FAIL",
        subject: s.name,
        message:
          `0 nodes carry ${label}: exactly one must, the one with its data ` +
          `(docker node update --label-add ${label} <node>, or set ${s.scheduling!.nodeLabelKey} to the label that node carries)`,
      });
    } else if (nodes.length > 1) {
      // The label comes off every node but the one with the data: which one that is, only the operator knows.
      const key = label.slice(0, label.indexOf("="));
      findings.push({
        level: "FAIL",
        subject: s.name,
        message:
          `${nodes.length} nodes carry ${label} (${nodes.join(", ")}): exactly one must, the one with its data ` +
          `(on each other one: docker node update --label-rm ${key} <node>, e.g. docker node update --label-rm ${key} ${nodes[1]})`,
      });
    } else findings.push({ level: "OK", subject: s.name, message: `pinned to node ${nodes[0]} (${label})` });
  }
  return findings;
}

/** Elasticsearch's limits on its labelled node (a one-off service there). */
async function limitFindings(plan: StackPlan, probe: SwarmProbes): Promise<Finding[]> {
  const findings: Finding[] = [];
  const es = plan.spec.services.find((s) => s.name === "elasticsearch");
  const label = es?.scheduling?.nodeLabel;
  if (!es || !label) return findings;
  const image = plan.spec.images.find((i) => i.key === "postgres")!.reference;
  const r = await probe.onLabelledNode(label, image, LIMITS_SCRIPT);
  const [memlock, nofile, maxMapCount, swaps] = r.stdout.split("\n").map((l) => l.trim());
  if (r.code !== 0 || swaps === undefined)
    return [...findings, { level: "WARN", subject: "elasticsearch", message: `could not read the limits on its node (${lastLine(r)})` }];
  const wants = (name: string) => es.ulimits.find((u) => u.name === name);
  const fix = "set default-ulimits in /etc/docker/daemon.json on that node and restart dockerd";
  if (wants("memlock")) {
    findings.push(
      memlock === "unlimited"
        ? { level: "OK", subject: "elasticsearch", message: "its node's daemon gives memlock unlimited (bootstrap.memory_lock)" }
        : {
            level: "FAIL",
            subject: "elasticsearch",
            message: `memlock is ${memlock} on its node, bootstrap.memory_lock needs unlimited: ${fix} ("memlock": {"Name": "memlock", "Soft": -1, "Hard": -1}), or pulumi config set --path robotoff:elasticsearch.memoryLock false with swap off`,
          },
    );
  } else {
    findings.push(
      swaps === "0"
        ? { level: "OK", subject: "elasticsearch", message: "memory locking is off and its node has no swap" }
        : {
            level: "FAIL",
            subject: "elasticsearch",
            message: `memory locking is off but its node has ${swaps} swap area(s): the heap may be swapped out; swapoff -a (and remove swap from /etc/fstab) on that node`,
          },
    );
  }
  const nofileWanted = wants("nofile")?.hard ?? 0;
  findings.push(
    Number(nofile) >= nofileWanted
      ? { level: "OK", subject: "elasticsearch", message: `its node gives ${nofile} open files (needs ${nofileWanted})` }
      : {
          level: "FAIL",
          subject: "elasticsearch",
          message: `its node gives ${nofile} open files, Elasticsearch needs ${nofileWanted}: ${fix} ("nofile": {"Name": "nofile", "Soft": ${nofileWanted}, "Hard": ${nofileWanted}})`,
        },
  );
  if (Number(maxMapCount) < MIN_MAX_MAP_COUNT) {
    findings.push({
      level: "FAIL",
      subject: "elasticsearch",
      message: `vm.max_map_count is ${maxMapCount} on its node, Elasticsearch needs ${MIN_MAX_MAP_COUNT}: sysctl -w vm.max_map_count=${MIN_MAX_MAP_COUNT} there`,
    });
  }
  return findings;
}

/** Swarm probes through the manager the docker CLI talks to. */
export const swarmProbes = (docker: Docker): SwarmProbes => ({
  nodesWithLabel: (label: string) => docker(undefined, ["node", "ls", "--filter", `node.label=${label}`, "--format", "{{.Hostname}}"]),
  async onLabelledNode(label: string, image: string, script: string) {
    const name = `robotoff-doctor-${process.pid}`;
    const constraint = `node.labels.${label.replace("=", "==")}`;
    const created = await docker(undefined, [
      "service",
      "create",
      "--quiet",
      "--detach",
      "--name",
      name,
      "--restart-condition",
      "none",
      "--constraint",
      constraint,
      "--entrypoint",
      "sh",
      image,
      "-c",
      script,
    ]);
    if (created.code !== 0) return created;
    try {
      for (let i = 0; i < 60; i++) {
        const state = await docker(undefined, ["service", "ps", name, "--format", "{{.CurrentState}}"]);
        if (/^(Complete|Failed|Rejected)/.test(state.stdout)) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      return await docker(undefined, ["service", "logs", "--raw", name]);
    } finally {
      await docker(undefined, ["service", "rm", name]);
    }
  },
});
