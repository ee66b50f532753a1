/**
 * Pure mappings from a ServiceSpec to docker.Service inputs (Swarm). Each compose fact the containers
 * target states is kept where Swarm has it (image, command, entrypoint, env, memory, mounts, aliases,
 * stop signal and grace, healthcheck); what Swarm lacks is said where it is dropped.
 */
import { runningReplicas, type ServiceSpec } from "../../models/spec";
import { formatDuration, shortDuration } from "../../models/duration";
import { dockerHealthcheck } from "../docker-inputs";
import { healthBudgetSeconds } from "../../models/healthchecks";
import { PUBLISH_BEYOND_LOOPBACK_LABEL, isPublic } from "../../models/ports";
import { effectiveCommand } from "./image-defaults";
import { secretEnvCommand } from "./secret-env";

const MB = 1024 * 1024;

/** How the stack publishes ports and resolves service names (robotoff:swarm). */
export interface SwarmNetworking {
  readonly publishMode: "ingress" | "host";
  readonly endpointMode: "vip" | "dnsrr";
}

/** A secret file a service reads into one variable: which value, and the file (and secret) it comes from. */
export interface SecretFile {
  readonly variable: string;
  /** Under /run/secrets; also the key of the docker.Secret in the stack. */
  readonly fileName: string;
  readonly value: Exclude<ServiceSpec["env"][string], string>;
}

/**
 * Each variable whose value holds a secret. A bare secret is one file per stack key, shared by every
 * service; a value built around one (a DSN) is its own file, named after the service and the variable.
 */
export function secretFiles(spec: Pick<ServiceSpec, "name" | "env">): SecretFile[] {
  return Object.entries(spec.env).flatMap(([variable, value]) => {
    if (typeof value === "string") return [];
    const composed = value.prefix !== undefined || value.suffix !== undefined || value.uriEncode === true;
    return [{ variable, fileName: composed ? `${spec.name}-${variable}` : value.secret, value }];
  });
}

/**
 * Restart policies as Swarm names them: compose's always and unless-stopped are Swarm's any. The delay, window and
 * attempts Swarm keeps (0 unless set; kreuzwerker v4.5.0 createRestartPolicy sends them, flattenTaskRestartPolicy
 * reads them back as "0s", "0s" and 0) are written out: an unset delay or window would differ from the state.
 */
export function restartPolicy(spec: Pick<ServiceSpec, "restart" | "restartMaxRetries">): {
  condition: string;
  delay: string;
  maxAttempts: number;
  window: string;
} {
  const zero = { delay: shortDuration(0), window: shortDuration(0) };
  switch (spec.restart) {
    case "no":
      return { condition: "none", ...zero, maxAttempts: 0 };
    case "on-failure":
      return { condition: "on-failure", ...zero, maxAttempts: spec.restartMaxRetries ?? 0 };
    case "always":
    case "unless-stopped":
      return { condition: "any", ...zero, maxAttempts: 0 };
  }
}

/**
 * Published ports. Swarm binds no address: a port the stack keeps on loopback (postgres, statsd, and
 * tf_serving unless it may be reached remotely) is not published at all on Swarm; operators reach those
 * services from inside the overlay network (`docker exec` in a task). validate.ts refuses an address other
 * than loopback.
 */
export function endpointPorts(spec: Pick<ServiceSpec, "ports">, net: SwarmNetworking) {
  return spec.ports
    .filter((p) => isPublic(p))
    .map((p) => ({ targetPort: p.containerPort, publishedPort: p.port, protocol: p.protocol, publishMode: net.publishMode }));
}

/** How long `pulumi up` waits for a service to run healthy tasks: its wait timeout, else its health budget. */
export function convergeTimeoutSeconds(spec: Pick<ServiceSpec, "waitTimeoutSeconds" | "healthcheck">): number {
  return Math.max(spec.waitTimeoutSeconds ?? 0, spec.healthcheck ? healthBudgetSeconds(spec.healthcheck) : 0, 60);
}

export interface ServiceInputsContext<NetworkId = string> {
  /** The image reference each node pulls. */
  readonly image: string;
  /**
   * The overlay network's id (docker.Network.id). By id, not by name: Swarm keeps a service's network as the
   * network's id, and kreuzwerker/terraform-provider-docker v4.5.0 reads it back as `id`
   * (resource_docker_service_structures.go flattenTaskNetworksAdvanced), so a `name` would differ from the state
   * on every `pulumi up` and replace the service (`networks_advanced` is ForceNew; `name` is deprecated there).
   */
  readonly networkId: NetworkId;
  readonly networking: SwarmNetworking;
  /** Docker name of a stack volume, by VolumeSpec key. */
  readonly volumeName: (key: string) => string;
}

/**
 * docker.Service inputs for a spec, with secrets and configs named by file (the component resolves them
 * to the resources it creates: `secrets[].secretId`, `configs[].configId`).
 */
export function swarmServiceInputs<NetworkId>(spec: ServiceSpec, ctx: ServiceInputsContext<NetworkId>) {
  const scheduling = spec.scheduling;
  if (!scheduling) throw new Error(`${spec.name}: no scheduling in the spec (robotoff:target is not swarm)`);
  if (spec.externalNetworks?.length) throw new Error(`${spec.name}: external networks are not joined on swarm`);
  const secrets = secretFiles(spec);
  const plainEnv = Object.fromEntries(Object.entries(spec.env).filter((e): e is [string, string] => typeof e[1] === "string"));
  const bridged = secrets.length > 0;
  const health = spec.healthcheck;
  // Every duration the provider reads back is written as it reads it (shortDuration).
  const monitor = shortDuration(scheduling.monitorSeconds);
  const policy = (failureAction: string) => ({
    parallelism: 1,
    delay: shortDuration(0),
    order: scheduling.updateOrder,
    failureAction,
    monitor,
    maxFailureRatio: "0",
  });
  return {
    name: spec.containerName,
    // Read by the policy pack, which cannot read the stack's config.
    labels: spec.publishBeyondLoopback ? [{ label: PUBLISH_BEYOND_LOOPBACK_LABEL, value: "allowed" }] : undefined,
    taskSpec: {
      containerSpec: {
        image: ctx.image,
        // Swarm's command replaces the image's ENTRYPOINT and args its CMD.
        commands: bridged
          ? secretEnvCommand(Object.fromEntries(secrets.map((s) => [s.variable, s.fileName])), effectiveCommand(spec.image, spec.entrypoint, spec.command))
          : spec.entrypoint && [...spec.entrypoint],
        args: bridged ? undefined : spec.command && [...spec.command],
        env: plainEnv,
        mounts: [
          ...spec.binds.map((b) => ({ type: "bind", source: b.hostPath, target: b.containerPath, readOnly: b.readOnly })),
          ...spec.volumes.map((v) => ({ type: "volume", source: ctx.volumeName(v.volume), target: v.containerPath, readOnly: false })),
          // Swarm has no shm size: the same size as a tmpfs over /dev/shm.
          ...(spec.shmSizeMb ? [{ type: "tmpfs", target: "/dev/shm", tmpfsOptions: { sizeBytes: spec.shmSizeMb * MB } }] : []),
        ],
        readOnly: spec.readOnlyRootfs,
        stopSignal: spec.stopSignal,
        stopGracePeriod: shortDuration(spec.stopGraceSeconds),
        healthcheck: health && dockerHealthcheck(health, shortDuration),
        hosts: spec.extraHosts.map((h) => ({ host: h.host, ip: h.ip })),
        secretFiles: secrets.map((s) => s.fileName),
        configFiles: (spec.files ?? []).map((f) => f.containerPath),
      },
      // Swarm services take no ulimits: the node's daemon gives them (README, "From one host to a swarm").
      resources: { limits: { memoryBytes: spec.memoryMb * MB } },
      restartPolicy: restartPolicy(spec),
      placement: scheduling.nodeLabel ? { constraints: [`node.labels.${scheduling.nodeLabel.replace("=", "==")}`] } : undefined,
      networksAdvanceds: [{ id: ctx.networkId, aliases: [spec.name] }],
    },
    // robotoff:stopped: the service stays, with no task, across deploys.
    mode: { replicated: { replicas: runningReplicas(spec) } },
    updateConfig: policy("rollback"),
    rollbackConfig: policy("pause"),
    endpointSpec: { mode: ctx.networking.endpointMode, ports: endpointPorts(spec, ctx.networking) },
    convergeConfig: { timeout: formatDuration(convergeTimeoutSeconds(spec)), delay: "2s" },
  };
}

export type SwarmServiceInputs<NetworkId = string> = ReturnType<typeof swarmServiceInputs<NetworkId>>;
