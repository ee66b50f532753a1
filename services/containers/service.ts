import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { containersOf, type ServiceSpec } from "../../models/spec";
import type { SecretKey } from "../../models/secrets";
import { containerPorts, dockerHealthcheck, fileDelivery, memorySwapMb } from "../docker-inputs";
import { PUBLISH_BEYOND_LOOPBACK_LABEL } from "../../models/ports";

export interface ServiceArgs {
  /** What runs, resolved from config by models/stack.ts. */
  spec: ServiceSpec;
  /** The image the container runs (pulled, or built in dev). */
  image: docker.RemoteImage;
  /** The stack network; the container joins it with its service name as DNS alias. */
  network: docker.Network;
  /** Networks of other stacks the container joins too, by name, with the same alias (never looked up). */
  externalNetworks: readonly string[];
  /** The stack's named volumes, by VolumeSpec key. */
  volumes: Readonly<Record<string, docker.Volume>>;
  /** Secret values by key; every key the spec's env references must be present. */
  secrets: Readonly<Partial<Record<SecretKey, pulumi.Output<string>>>>;
  /** Containers that must be up first: created, healthy where they wait for health, exited 0 for a one-off task. */
  dependsOn: readonly pulumi.Input<pulumi.Resource>[];
}

/** `KEY=value` lines; the list is secret as soon as one value is. */
export function containerEnvs(env: ServiceSpec["env"], secrets: ServiceArgs["secrets"]): pulumi.Output<string[]> {
  return pulumi.all(
    Object.entries(env).map(([name, value]) => {
      if (typeof value === "string") return pulumi.output(`${name}=${value}`);
      const secret = secrets[value.secret];
      if (!secret) throw new Error(`${name} needs secret ${value.secret}, which the stack did not resolve`);
      const encoded = value.uriEncode ? secret.apply(encodeURIComponent) : secret;
      return pulumi.interpolate`${name}=${value.prefix ?? ""}${encoded}${value.suffix ?? ""}`;
    }),
  );
}

/** One compose service: its container (or its copies, one after the other), on the stack network. */
export class Service extends pulumi.ComponentResource {
  /** Its containers: one, or each copy (ServiceSpec.copies). */
  readonly containers: readonly docker.Container[];
  /** Its (first) container. */
  readonly container: docker.Container;
  /** What a dependent waits for: its containers; for a one-off task, its container once it exited 0. */
  readonly ready: readonly pulumi.Input<pulumi.Resource>[];

  constructor(name: string, args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("robotoff:docker:Service", name, {}, opts);
    const containers: docker.Container[] = [];
    for (const [i, containerName] of containersOf(args.spec).entries()) {
      // The first keeps the single container's name: switching robotoff:app.api.release replaces it in place.
      // Each next copy waits for the one before, which is created healthy (wait): a release replaces them in turn.
      containers.push(serviceContainer(`${name}-container${i === 0 ? "" : `-${i + 1}`}`, containerName, args, this, containers.slice(-1)));
    }
    this.containers = containers;
    this.container = containers[0];
    this.ready = args.spec.oneOff ? [completed(this.container, args.spec.name)] : containers;
    this.registerOutputs({ containerNames: containers.map((c) => c.name) });
  }
}

/** How many lines of a failed task's log its error shows. */
export const FAILED_LOG_LINES = 40;

/**
 * The task's container once it exited 0. Its create waits for the exit (attach) and reads the exit code back; a
 * non-zero code fails the deployment here, before any dependent is registered: the running app stays as it was. A
 * task's container is created again only when its inputs change, hence the --replace in the message.
 */
export function completed(container: docker.Container, task: string): pulumi.Output<pulumi.Resource> {
  return pulumi.all([container.exitCode, container.containerLogs, container.urn]).apply(([code, logs, urn]) => {
    if (code === 0) return container;
    const tail = (logs ?? "").trimEnd().split("\n").slice(-FAILED_LOG_LINES).join("\n");
    throw new pulumi.ResourceError(
      `${task} exited with code ${code}; nothing that waits for it was replaced. Its log${tail ? ` (last lines):\n${tail}` : ": empty"}\n` +
        `Once its cause is fixed, run it again: pulumi up --replace '${urn}'`,
      container,
      true,
    );
  });
}

function serviceContainer(resourceName: string, containerName: string, args: ServiceArgs, parent: pulumi.Resource, previous: docker.Container[]) {
  const { spec } = args;
  const health = spec.healthcheck;
  const files = fileDelivery(spec);
  return new docker.Container(
    resourceName,
    {
      name: containerName,
      image: args.image.imageId,
      entrypoints: files.entrypoints ?? (spec.entrypoint ? [...spec.entrypoint] : undefined),
      command: spec.command ? [...spec.command] : undefined,
      envs: containerEnvs({ ...spec.env, ...files.env }, args.secrets),
      ports: containerPorts(spec.ports),
      // Read by the policy pack, which cannot read the stack's config.
      labels: spec.publishBeyondLoopback ? [{ label: PUBLISH_BEYOND_LOOPBACK_LABEL, value: "allowed" }] : undefined,
      volumes: [
        ...spec.binds.map((b) => ({ hostPath: b.hostPath, containerPath: b.containerPath, readOnly: b.readOnly })),
        ...spec.volumes.map((v) => ({ volumeName: volumeOf(args.volumes, v.volume).name, containerPath: v.containerPath })),
      ],
      uploads: files.uploads,
      tmpfs: files.tmpfs,
      readOnly: spec.readOnlyRootfs,
      memory: spec.memoryMb,
      memorySwap: memorySwapMb(spec.memoryMb),
      shmSize: spec.shmSizeMb,
      ulimits: spec.ulimits.map((u) => ({ ...u })),
      restart: spec.restart,
      maxRetryCount: spec.restartMaxRetries,
      // A one-off task: create waits for its end and keeps its log; a refresh then leaves it exited.
      ...(spec.oneOff ? { attach: true, logs: true, mustRun: false } : {}),
      stopSignal: spec.stopSignal,
      // stopTimeout serves `docker stop` and daemon restarts; destroyGraceSeconds (0 by default) the
      // provider's own stop before it removes or replaces the container.
      stopTimeout: spec.stopGraceSeconds,
      destroyGraceSeconds: spec.stopGraceSeconds,
      healthcheck: health && dockerHealthcheck(health),
      // robotoff:stopped: created, not started; a refresh then keeps it stopped rather than deleting it.
      start: spec.stopped ? false : undefined,
      ...(spec.stopped ? { mustRun: false } : {}),
      // Others wait for this one: create returns once it is healthy (the provider waits at create only).
      wait: spec.waitTimeoutSeconds !== undefined ? true : undefined,
      waitTimeout: spec.waitTimeoutSeconds,
      privileged: false,
      securityOpts: ["no-new-privileges:true"],
      hosts: spec.extraHosts.map((h) => ({ ...h })),
      networksAdvanced: [args.network.name, ...args.externalNetworks].map((name) => ({ name, aliases: [spec.name] })),
      // Compose keeps anonymous volumes on `down`; the provider removes them unless told not to.
      removeVolumes: false,
    },
    {
      parent,
      dependsOn: [...args.dependsOn, ...previous],
      deleteBeforeReplace: true,
      // The provider saves a healthcheck edit without applying it to the running container. "#initerror"
      // (the engine's initErrorSpecialKey, pulumi/pulumi#7226) replaces a container whose create failed
      // half-way, e.g. its wait for health timed out: a plain `up` would otherwise keep it as it is.
      replaceOnChanges: health ? ["healthcheck", "#initerror"] : ["#initerror"],
      // What the provider reports back for envs stays secret in the state too.
      // A task's log stays secret there too: it may quote its environment.
      additionalSecretOutputs: [...(Object.values(spec.env).some((v) => typeof v !== "string") ? ["envs"] : []), ...(spec.oneOff ? ["containerLogs"] : [])],
    },
  );
}

function volumeOf(volumes: ServiceArgs["volumes"], key: string): docker.Volume {
  const volume = volumes[key];
  if (!volume) throw new Error(`no volume ${key} in the stack`);
  return volume;
}
