/** The doctor's checks, given ways to probe a host; what the probes answer decides each line. */

import { lastLine, type CommandResult } from "./command";

export type Probe = CommandResult;

export interface HostPlan {
  readonly host: string;
  /** The Engine's address; none for local (DOCKER_HOST or the local socket). */
  readonly url?: string;
  readonly binds: { service: string; hostPath: string; containerPath: string }[];
  memoryMb: number;
  readonly services: string[];
}

export interface Probes {
  pulumi(): Promise<Probe>;
  engine(url?: string): Promise<Probe>;
  memTotal(url?: string): Promise<Probe>;
  /** Runs a command in a throwaway container with host paths bind-mounted read-only (never created). */
  inProbe(url: string | undefined, mounts: { hostPath: string; target: string }[], command: string[]): Promise<Probe>;
}

export interface Finding {
  readonly level: "OK" | "WARN" | "FAIL";
  readonly subject: string;
  readonly message: string;
}

export const MIN_MAX_MAP_COUNT = 262144;

export async function planChecks(plans: readonly HostPlan[], probe: Probes): Promise<Finding[]> {
  const findings: Finding[] = [];
  const pulumi = await probe.pulumi();
  findings.push(
    pulumi.code === 0
      ? { level: "OK", subject: "pulumi", message: `CLI ${pulumi.stdout}` }
      : { level: "FAIL", subject: "pulumi", message: `no Pulumi CLI (${lastLine(pulumi)}): install it, https://www.pulumi.com/docs/install/` },
  );
  for (const plan of plans) {
    const { host, url } = plan;
    const engine = await probe.engine(url);
    if (engine.code !== 0) {
      findings.push({ level: "FAIL", subject: host, message: `Docker Engine not reachable${url ? ` at ${url}` : ""}: ${lastLine(engine)}` });
      continue;
    }
    findings.push({ level: "OK", subject: host, message: `Docker Engine ${engine.stdout}${url ? ` at ${url}` : ""}` });

    for (const b of plan.binds) {
      const found = await probe.inProbe(url, [{ hostPath: b.hostPath, target: "/check" }], ["true"]);
      findings.push(
        found.code === 0
          ? { level: "OK", subject: host, message: `${b.hostPath} exists (${b.service})` }
          : {
              level: "FAIL",
              subject: host,
              message: `${b.hostPath} is missing (${b.service} mounts it at ${b.containerPath}; Docker would create it empty and root-owned): create it on the host`,
            },
      );
      if (found.code === 0 && b.service === "tf_serving" && b.containerPath === "/models") {
        const config = await probe.inProbe(url, [{ hostPath: b.hostPath, target: "/models" }], ["test", "-f", "/models/models.config"]);
        findings.push(
          config.code === 0
            ? { level: "OK", subject: host, message: `${b.hostPath}/models.config exists (tf_serving)` }
            : {
                level: "FAIL",
                subject: host,
                message: `${b.hostPath}/models.config is missing: tf_serving would crash-loop; add the models and their config (github.com/openfoodfacts/robotoff-models)`,
              },
        );
      }
    }

    if (plan.services.includes("elasticsearch")) {
      const sysctl = await probe.inProbe(url, [], ["cat", "/proc/sys/vm/max_map_count"]);
      const value = Number(sysctl.stdout);
      if (sysctl.code !== 0 || !Number.isFinite(value)) {
        findings.push({ level: "WARN", subject: host, message: `could not read vm.max_map_count (${lastLine(sysctl)})` });
      } else if (value < MIN_MAX_MAP_COUNT) {
        findings.push({
          level: "FAIL",
          subject: host,
          message: `vm.max_map_count is ${value}, Elasticsearch needs ${MIN_MAX_MAP_COUNT}: sysctl -w vm.max_map_count=${MIN_MAX_MAP_COUNT} (and in /etc/sysctl.d/)`,
        });
      } else {
        findings.push({ level: "OK", subject: host, message: `vm.max_map_count is ${value}` });
      }
    }

    const mem = await probe.memTotal(url);
    const totalMb = Math.floor(Number(mem.stdout) / 1024 / 1024);
    if (mem.code !== 0 || !Number.isFinite(totalMb) || totalMb <= 0) {
      findings.push({ level: "WARN", subject: host, message: `could not read the host's memory (${lastLine(mem)})` });
    } else {
      const message = `memory limits add up to ${plan.memoryMb} MB of the host's ${totalMb} MB`;
      findings.push(
        plan.memoryMb > totalMb
          ? { level: "WARN", subject: host, message: `${message}: under load the kernel kills containers; lower robotoff:*.memory or move a service (robotoff:hosts)` }
          : { level: "OK", subject: host, message },
      );
    }
  }
  return findings;
}
