/** The doctor's checks, given ways to probe a host; what the probes answer decides each line. */

import { configTargetOptions } from "../../models/config-error";
import { bindingsClash, formatBinding } from "../../models/ports";
import type { StackPlan } from "../../models/stack-plan";
import { containersOf, type ServiceName, type ServiceSpec, type Ulimit } from "../../models/spec";
import { modelChecksumFile, modelDir, type TfModel } from "../../models/tf-models";
import { lastLine, type CommandResult } from "../shared/command";
import { engineUnreachable } from "../shared/engine-unreachable";
import type { RuntimeConfig } from "../shared/stack-file";

export type Probe = CommandResult;

/** What one Docker host of the stack must offer, read from the StackSpec. */
export interface HostPlan {
  readonly host: string;
  /** The Engine's address; none for local (DOCKER_HOST or the local socket). */
  readonly url?: string;
  /** An image the stack runs on this host: the probes run in it, as the deploy will pull it anyway. */
  readonly probeImage: string;
  readonly services: readonly ServiceName[];
  /** The stack's own container names here: ports they hold are the stack's. */
  readonly containers: readonly string[];
  /** Each host folder once, with where each service mounts it. */
  readonly binds: readonly { hostPath: string; mounts: readonly { service: ServiceName; containerPath: string }[] }[];
  readonly ports: readonly { service: ServiceName; ip?: string; port: number }[];
  /** Volumes the stack reads (compose `external: true`) and networks it looks up: they must exist first. */
  readonly externalVolumes: readonly string[];
  readonly externalNetworks: readonly string[];
  /** The ulimits Elasticsearch asks for, where it runs. */
  readonly elasticsearchUlimits?: readonly Ulimit[];
  /** robotoff:tfServing.models, where tf_serving runs: tf_models puts them in its models folder. */
  readonly models?: readonly Pick<TfModel, "name" | "version" | "sha256">[];
  readonly memoryMb: number;
}

export interface ProbeRun {
  readonly mounts?: readonly { hostPath: string; target: string }[];
  readonly ulimits?: readonly Ulimit[];
}

export interface Probes {
  pulumi(): Promise<Probe>;
  engine(url?: string): Promise<Probe>;
  memTotal(url?: string): Promise<Probe>;
  /** `docker volume inspect` / `docker network inspect`: exit 0 when it exists. */
  volume(url: string | undefined, name: string): Promise<Probe>;
  network(url: string | undefined, name: string): Promise<Probe>;
  /** `docker ps` lines: `<name>\t<ports as docker ps prints them>`. */
  containerPorts(url?: string): Promise<Probe>;
  /** Runs a command in a throwaway container of `image`, host paths bind-mounted read-only (never created). */
  inProbe(url: string | undefined, image: string, command: string[], run?: ProbeRun): Promise<Probe>;
}

export interface Finding {
  readonly level: "OK" | "WARN" | "FAIL";
  readonly subject: string;
  readonly message: string;
}

export const MIN_MAX_MAP_COUNT = 262144;
/** Elasticsearch's disk watermarks (its defaults): no new shards from the low one, read-only indices at flood stage. */
export const DISK_WATERMARKS = { low: 85, floodStage: 95 } as const;

/** Probe images by preference: small images with a shell and coreutils first, the app's last. */
const PROBE_PREFERENCE = ["postgres", "elasticsearch", "tf-serving", "statsd-exporter", "postgres-exporter"];

function foldersOf(services: readonly ServiceSpec[]): HostPlan["binds"] {
  const folders = new Map<string, { service: ServiceName; containerPath: string }[]>();
  for (const s of services)
    for (const b of s.binds) folders.set(b.hostPath, [...(folders.get(b.hostPath) ?? []), { service: s.name, containerPath: b.containerPath }]);
  return [...folders].map(([hostPath, mounts]) => ({ hostPath, mounts }));
}

/** What each host runs, from the StackSpec the program deploys. */
export function hostPlans(plan: StackPlan): HostPlan[] {
  const { spec } = plan;
  return spec.hosts.map(({ name: host, url }) => {
    const here = spec.services.filter((s) => s.host === host);
    const imageKeys = [...new Set(here.map((s) => s.image))].sort((a, b) => (PROBE_PREFERENCE.indexOf(a) + 1 || 99) - (PROBE_PREFERENCE.indexOf(b) + 1 || 99));
    const volumeKeys = new Set(here.flatMap((s) => s.volumes.map((v) => v.volume)));
    const es = here.find((s) => s.name === "elasticsearch");
    return {
      host,
      ...(url ? { url } : {}),
      probeImage: spec.images.find((i) => i.key === imageKeys[0])!.reference,
      services: here.map((s) => s.name),
      containers: here.flatMap((s) => containersOf(s)),
      binds: foldersOf(here),
      ports: here.flatMap((s) => s.ports.map((p) => ({ service: s.name, ...(p.ip ? { ip: p.ip } : {}), port: p.port }))),
      externalVolumes: spec.volumes.filter((v) => v.lifecycle === "external" && volumeKeys.has(v.key)).map((v) => v.name),
      externalNetworks: [...new Set(here.flatMap((s) => s.externalNetworks ?? []))],
      ...(es ? { elasticsearchUlimits: es.ulimits } : {}),
      ...(here.some((s) => s.name === "tf_models") && plan.config.generation === "2022-09" && plan.config.tfServing.models
        ? { models: plan.config.tfServing.models }
        : {}),
      memoryMb: here.reduce((sum, s) => sum + s.memoryMb, 0),
    };
  });
}

/** Variables of the deploying machine that move where the providers (and the docker CLI) connect. */
const CONNECTION_VARIABLES: Readonly<Record<string, (value: string) => string>> = {
  DOCKER_HOST: (v) => `the stack's local host is the Engine at ${v}, for the providers and for these checks`,
  DOCKER_CONTEXT: (v) => `the docker context ${v} decides which Engine the docker CLI and the local host's provider reach`,
  DOCKER_CERT_PATH: (v) => `every tcp:// host is reached with the TLS certificates in ${v}`,
  DOCKER_SSH_OPTS: (v) => `every ssh:// host is reached with the extra ssh options ${v}`,
};

export function environmentFindings(env: NodeJS.ProcessEnv): Finding[] {
  return Object.entries(CONNECTION_VARIABLES)
    .filter(([name]) => env[name])
    .map(([name, says]) => ({ level: "WARN", subject: "environment", message: `${name} is set: ${says(env[name]!)}` }));
}

/** Values a stack file ships as placeholders: the deploy needs real ones. */
export function placeholderFindings(runtime: RuntimeConfig, plan: StackPlan): Finding[] {
  const findings: Finding[] = [];
  const target = configTargetOptions(runtime);
  for (const [key, text] of Object.entries(runtime.secureValues)) {
    if (/placeholder/i.test(text)) {
      findings.push({
        level: "FAIL",
        subject: "config",
        message: `${key} is a placeholder (secure: ${text}): pulumi config set --secret '${key}' ${target}`,
      });
    }
  }
  if (!plan.config.dev.enabled && /^sha-0+$/.test(plan.config.app.tag)) {
    findings.push({
      level: "FAIL",
      subject: "config",
      message: `robotoff:app.tag is the placeholder ${plan.config.app.tag}: pulumi config set --path 'robotoff:app.tag' sha-<commit> ${target}`,
    });
  }
  return findings;
}

/** What the machine that runs Pulumi holds at a build context. */
export type BuildContextState = "missing" | "no Dockerfile" | "ready";

/** The Robotoff checkouts (robotoff:hostRoot, with dev.enabled) this machine lacks, and their one line each. */
export interface CheckoutCheck {
  readonly findings: Finding[];
  /** Folders that are no checkout: the local host's binds under them get no line of their own. */
  readonly notCheckouts: readonly string[];
}

/**
 * dev.enabled builds the app image from robotoff:hostRoot on the machine that runs Pulumi and mounts its
 * sources: without a Dockerfile there, hostRoot is not a Robotoff checkout, and the fix is the key, not a
 * folder per mount.
 */
export function checkoutCheck(runtime: RuntimeConfig, plan: StackPlan, state: (context: string) => BuildContextState): CheckoutCheck {
  const findings: Finding[] = [];
  const notCheckouts: string[] = [];
  for (const image of plan.spec.images) {
    if (!image.build) continue;
    const { context } = image.build;
    const found = state(context);
    if (found === "ready") {
      findings.push({
        level: "OK",
        subject: "config",
        message: `robotoff:hostRoot ${context} has a Dockerfile (dev.enabled builds ${image.reference} from it)`,
      });
      continue;
    }
    notCheckouts.push(context);
    findings.push({
      level: "FAIL",
      subject: "config",
      message:
        `robotoff:hostRoot ${context} ${found === "missing" ? "does not exist" : "has no Dockerfile"} on this machine: with dev.enabled it must be your ` +
        `Robotoff checkout (the ${image.reference} image is built from it on the machine that runs Pulumi, and its sources are mounted); ` +
        `pulumi config set robotoff:hostRoot <your Robotoff checkout> ${configTargetOptions(runtime)}`,
    });
  }
  return { findings, notCheckouts };
}

/**
 * Leaves out the binds under folders that are no checkout, on the local host only: the build context is
 * read on the machine that runs Pulumi, binds on the Docker host, and only the local host is that machine.
 */
export function withoutBindsUnder(plans: readonly HostPlan[], folders: readonly string[]): HostPlan[] {
  const under = (path: string) => folders.some((f) => path === f || path.startsWith(`${f.replace(/\/$/, "")}/`));
  return plans.map((p) => (p.url === undefined ? { ...p, binds: p.binds.filter((b) => !under(b.hostPath)) } : p));
}

/** `0.0.0.0:5432->5432/tcp, :::5432->5432/tcp` -> the host side of each binding. */
function parsePorts(text: string): { ip: string; port: number }[] {
  return text
    .split(",")
    .map((p) => /^\s*(.*):(\d+)->/.exec(p))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ ip: m[1], port: Number(m[2]) }));
}

function portFindings(plan: HostPlan, ps: Probe): Finding[] {
  const { host } = plan;
  if (ps.code !== 0) return [{ level: "WARN", subject: host, message: `could not list the ports containers publish (${lastLine(ps)})` }];
  const held = ps.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split("\t"))
    .filter(([name]) => !plan.containers.includes(name))
    .flatMap(([name, ports = ""]) => parsePorts(ports).map((p) => ({ name, ...p })));
  return plan.ports.map((want) => {
    const binding = formatBinding(want);
    const clash = held.find((h) => bindingsClash(h, want));
    return clash
      ? {
          level: "FAIL" as const,
          subject: host,
          message: `port ${binding} (${want.service}) is held by container ${clash.name} (${clash.ip}:${clash.port}): stop it (an old compose stack: docker-compose down, without -v) or publish ${want.service} elsewhere`,
        }
      : { level: "OK" as const, subject: host, message: `port ${binding} is free (${want.service})` };
  });
}

async function folderFindings(plan: HostPlan, probe: Probes): Promise<Finding[]> {
  const { host, url, probeImage } = plan;
  const findings: Finding[] = [];
  for (const b of plan.binds) {
    const found = await probe.inProbe(url, probeImage, ["true"], { mounts: [{ hostPath: b.hostPath, target: "/check" }] });
    findings.push(
      found.code === 0
        ? { level: "OK", subject: host, message: `${b.hostPath} exists (${b.mounts.map((m) => m.service).join(", ")})` }
        : {
            level: "FAIL",
            subject: host,
            message: `${b.hostPath} is missing (${b.mounts.map((m) => `${m.service} mounts it at ${m.containerPath}`).join(", ")}; Docker would create it empty and root-owned): create it on the host`,
          },
    );
    if (found.code === 0 && plan.models && b.mounts.some((m) => m.service === "tf_models")) {
      findings.push(...(await modelFindings(plan, b.hostPath, plan.models, probe)));
    } else if (found.code === 0 && b.mounts.some((m) => m.service === "tf_serving" && m.containerPath === "/models")) {
      const config = await probe.inProbe(url, probeImage, ["test", "-f", "/models/models.config"], { mounts: [{ hostPath: b.hostPath, target: "/models" }] });
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
  return findings;
}

/** Each configured model in its version folder, unpacked from the archive of its sha256 (tf_models records it). */
async function modelFindings(plan: HostPlan, hostPath: string, models: NonNullable<HostPlan["models"]>, probe: Probes): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const m of models) {
    const check = `test -d /models/${modelDir(m)} && [ "$(cat /models/${modelChecksumFile(m)})" = ${m.sha256} ]`;
    const inPlace = await probe.inProbe(plan.url, plan.probeImage, ["sh", "-c", check], { mounts: [{ hostPath, target: "/models" }] });
    findings.push(
      inPlace.code === 0
        ? { level: "OK", subject: plan.host, message: `model ${m.name} ${m.version} is in ${hostPath}/${modelDir(m)}, from the archive of sha256 ${m.sha256}` }
        : {
            level: "WARN",
            subject: plan.host,
            message: `model ${m.name} ${m.version} is not in ${hostPath}/${modelDir(m)} with sha256 ${m.sha256}: the next deploy downloads it (tf_models), or fails naming it`,
          },
    );
  }
  return findings;
}

/**
 * How full the filesystem of the Engine's data root is (volumes and images live there; a probe container's `/` is on
 * it), from `df -Pk /`: Elasticsearch's watermarks are the thresholds, postgres and the backups fill the same disk.
 */
export function diskFinding(host: string, df: Probe): Finding {
  const fields = df.code === 0 ? (df.stdout.split("\n")[1] ?? "").trim().split(/\s+/) : [];
  const [used, available] = [Number(fields[2]), Number(fields[3])];
  if (fields.length < 6 || !Number.isFinite(used) || !Number.isFinite(available) || used + available <= 0)
    return {
      level: "WARN",
      subject: host,
      message: `could not read the free disk space of the Engine's data root (${df.code === 0 ? "no df output" : lastLine(df)})`,
    };
  // df's own rounding: the used share, rounded up.
  const percent = Math.ceil((100 * used) / (used + available));
  const free = `${(available / 1024 / 1024).toFixed(1)} GB free`;
  const message = `the Engine's data root (volumes, images) is ${percent} % full, ${free}`;
  const fix =
    "free space on it (docker image prune -a removes unused images; not docker system prune, which also removes the stopped containers the stack keeps)";
  if (percent >= DISK_WATERMARKS.floodStage)
    return { level: "FAIL", subject: host, message: `${message}: Elasticsearch makes its indices read-only at ${DISK_WATERMARKS.floodStage} %; ${fix}` };
  if (percent >= DISK_WATERMARKS.low)
    return { level: "WARN", subject: host, message: `${message}: Elasticsearch allocates no new shard past ${DISK_WATERMARKS.low} %; ${fix}` };
  return { level: "OK", subject: host, message };
}

async function elasticsearchFindings(plan: HostPlan, probe: Probes, ulimits: readonly Ulimit[]): Promise<Finding[]> {
  const { host, url, probeImage } = plan;
  const findings: Finding[] = [];
  const sysctl = await probe.inProbe(url, probeImage, ["cat", "/proc/sys/vm/max_map_count"]);
  const value = Number(sysctl.stdout);
  if (sysctl.code !== 0 || sysctl.stdout === "" || !Number.isFinite(value)) {
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
  const asked = ulimits.map((u) => `${u.name}=${u.soft}:${u.hard}`).join(" ");
  const granted = await probe.inProbe(url, probeImage, ["true"], { ulimits });
  findings.push(
    granted.code === 0
      ? { level: "OK", subject: host, message: `the Engine grants Elasticsearch's ulimits (${asked})` }
      : {
          level: "FAIL",
          subject: host,
          message:
            `the Engine cannot grant Elasticsearch's ulimits (${asked}): ${lastLine(granted)}; raise dockerd's LimitMEMLOCK=infinity and ` +
            `LimitNOFILE in its systemd unit (systemctl edit docker), or pulumi config set --path robotoff:elasticsearch.memoryLock false`,
        },
  );
  return findings;
}

/** Whether a host's Engine answered its version probe: the version, or why not and the fix. */
export function engineFinding(host: string, url: string | undefined, engine: Probe): Finding {
  return engine.code === 0
    ? { level: "OK", subject: host, message: `Docker Engine ${engine.stdout}${url ? ` at ${url}` : ""}` }
    : { level: "FAIL", subject: host, message: engineUnreachable(host, url, engine) };
}

export async function planChecks(plans: readonly HostPlan[], probe: Probes, env: NodeJS.ProcessEnv = {}): Promise<Finding[]> {
  const findings: Finding[] = [...environmentFindings(env)];
  const pulumi = await probe.pulumi();
  findings.push(
    pulumi.code === 0
      ? { level: "OK", subject: "pulumi", message: `CLI ${pulumi.stdout}` }
      : { level: "FAIL", subject: "pulumi", message: `no Pulumi CLI (${lastLine(pulumi)}): install it, https://www.pulumi.com/docs/install/` },
  );
  for (const plan of plans) {
    const { host, url } = plan;
    const engine = await probe.engine(url);
    findings.push(engineFinding(host, url, engine));
    if (engine.code !== 0) continue;

    for (const name of plan.externalVolumes) {
      const found = await probe.volume(url, name);
      findings.push(
        found.code === 0
          ? { level: "OK", subject: host, message: `volume ${name} exists` }
          : { level: "FAIL", subject: host, message: `volume ${name} is missing: the stack reads it and never creates it; docker volume create ${name}` },
      );
    }
    for (const name of plan.externalNetworks) {
      const found = await probe.network(url, name);
      findings.push(
        found.code === 0
          ? { level: "OK", subject: host, message: `network ${name} exists` }
          : { level: "FAIL", subject: host, message: `network ${name} is missing: start Product Opener's stack first (it creates ${name})` },
      );
    }
    findings.push(...portFindings(plan, await probe.containerPorts(url)));

    // Every probe below runs in the probe image: say once, in one line, when it cannot run at all.
    const runs = await probe.inProbe(url, plan.probeImage, ["true"]);
    if (runs.code !== 0) {
      findings.push({
        level: "FAIL",
        subject: host,
        message: `cannot run probes in ${plan.probeImage} (${lastLine(runs)}): the folder, disk, vm.max_map_count and ulimit checks did not run; the deploy needs this image too`,
      });
    } else {
      findings.push(...(await folderFindings(plan, probe)));
      findings.push(diskFinding(host, await probe.inProbe(url, plan.probeImage, ["df", "-Pk", "/"])));
      if (plan.elasticsearchUlimits) findings.push(...(await elasticsearchFindings(plan, probe, plan.elasticsearchUlimits)));
    }

    const mem = await probe.memTotal(url);
    const totalMb = Math.floor(Number(mem.stdout) / 1024 / 1024);
    if (mem.code !== 0 || !Number.isFinite(totalMb) || totalMb <= 0) {
      findings.push({ level: "WARN", subject: host, message: `could not read the host's memory (${lastLine(mem)})` });
    } else {
      const message = `memory limits add up to ${plan.memoryMb} MB of the host's ${totalMb} MB`;
      findings.push(
        plan.memoryMb > totalMb
          ? {
              level: "WARN",
              subject: host,
              message: `${message}: under load the kernel kills containers; lower robotoff:*.memory or move a service (robotoff:hosts)`,
            }
          : { level: "OK", subject: host, message },
      );
    }
  }
  return findings;
}
