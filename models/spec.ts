/** Target-neutral description of what runs: one ServiceSpec per compose service. */
import type { PublishedPort } from "./ports";
import type { SecretKey } from "./secrets";
import type { RESTART_POLICIES, UPDATE_ORDERS, VOLUME_LIFECYCLES } from "./config";

/** A compose service's name; each generation's catalog says which it runs (2026-06's worker names follow from config). */
export type ServiceName = string;
export type RestartPolicy = (typeof RESTART_POLICIES)[number];
export type VolumeLifecycle = (typeof VOLUME_LIFECYCLES)[number];

/**
 * An environment value: plain text, or one of the stack's secrets, optionally URI-encoded between a
 * plain prefix and suffix (a DSN built around a password).
 */
export type EnvValue = string | { readonly secret: SecretKey; readonly prefix?: string; readonly suffix?: string; readonly uriEncode?: boolean };

export interface BindMount {
  readonly hostPath: string;
  readonly containerPath: string;
  readonly readOnly: boolean;
}

export interface VolumeMount {
  /** Key of a VolumeSpec of the stack. */
  readonly volume: string;
  readonly containerPath: string;
}

export interface Ulimit {
  readonly name: string;
  readonly soft: number;
  readonly hard: number;
}

export interface Healthcheck {
  /** Command run inside the container (exec form, no shell unless the command is one). */
  readonly command: readonly string[];
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly retries: number;
  readonly startPeriodSeconds: number;
}

/** How copies of a service are scheduled and replaced, where the target can run several (robotoff:target swarm). */
export interface Scheduling {
  /** Copies that run at once. */
  readonly replicas: number;
  /** Runs only on the node that carries this label (`key=value`): its data is node-local. */
  readonly nodeLabel?: string;
  /** The config key that sets nodeLabel (robotoff:swarm.nodeLabels.<service>), for messages. */
  readonly nodeLabelKey?: string;
  /** An update starts the new copy before stopping the old one, or the other way round. */
  readonly updateOrder: (typeof UPDATE_ORDERS)[number];
  /** Seconds a new copy is watched before an update counts as done; a failure rolls back to the old spec. */
  readonly monitorSeconds: number;
}

export interface ServiceSpec {
  /** The compose service name: also its DNS name on the stack network. */
  readonly name: ServiceName;
  /** Name of its container (or service) on the host: `<containerPrefix>-<name>`. */
  readonly containerName: string;
  /** The Docker host it runs on (a HostSpec name). */
  readonly host: string;
  /** Key of the ImageSpec it runs. */
  readonly image: string;
  readonly entrypoint?: readonly string[];
  readonly command?: readonly string[];
  /** Variables in name order; unset compose variables are absent. */
  readonly env: Readonly<Record<string, EnvValue>>;
  readonly ports: readonly PublishedPort[];
  /** The stack allows its ports beyond loopback: the api's, and tf_serving's with robotoff:tfServing.allowRemoteAccess. */
  readonly publishBeyondLoopback?: boolean;
  readonly binds: readonly BindMount[];
  /** Files written into the container at create, from content the stack ships. */
  readonly files?: readonly { readonly containerPath: string; readonly content: string }[];
  /** The process writes nothing: run it on a read-only root filesystem. */
  readonly readOnlyRootfs?: boolean;
  readonly volumes: readonly VolumeMount[];
  readonly memoryMb: number;
  readonly shmSizeMb?: number;
  readonly ulimits: readonly Ulimit[];
  readonly restart: RestartPolicy;
  /** With restart `on-failure`: how many restarts before giving up. */
  readonly restartMaxRetries?: number;
  /** Signal that stops the main process cleanly (the image's own when unset). */
  readonly stopSignal?: string;
  /** How long a clean stop may take before the process is killed. */
  readonly stopGraceSeconds: number;
  readonly extraHosts: readonly { readonly host: string; readonly ip: string }[];
  /** Networks the stack does not own that the container joins too (looked up, never created). */
  readonly externalNetworks?: readonly string[];
  /** Services that must be up (healthy, where they have a healthcheck) before this one starts. */
  readonly dependsOn: readonly ServiceName[];
  readonly healthcheck?: Healthcheck;
  /** Set on services others wait for, and on copies: how long a create may wait for health. */
  readonly waitTimeoutSeconds?: number;
  /** Set when the target schedules copies (swarm); the containers target runs one container. */
  readonly scheduling?: Scheduling;
  /**
   * Containers target: runs this many copies (containersOf) rather than one container, created one after
   * the other, each once the one before is healthy (robotoff:app.api.release rolling).
   */
  readonly copies?: number;
  /** Kept stopped across deploys (robotoff:stopped): created, never started by the stack. */
  readonly stopped?: boolean;
  /**
   * A one-off task, as upstream's Makefile runs it with `docker compose run --rm` (`make migrate-db`): its container
   * runs to completion when it is created, and what depends on it waits for its exit code 0. Created again when
   * its inputs change (a new app image); never restarted, never kept running.
   */
  readonly oneOff?: boolean;
  /** Runs the app's code against the database: stopped while a dump is restored into it. */
  readonly app?: boolean;
  /** A name `ops` takes for all the services that share it (2026-06's `workers`: worker-1..N, worker-ml-1..N). */
  readonly group?: string;
}

export interface ImageSpec {
  readonly key: string;
  readonly reference: string;
  /** Built on the Docker host from a local checkout rather than pulled. */
  readonly build?: {
    readonly context: string;
    readonly target: string;
    readonly args: Readonly<Record<string, string>>;
    /** Files of the context whose change needs a new image (sources are mounted in dev): the Dockerfile and the lock files. */
    readonly inputs: readonly string[];
  };
}

export interface VolumeSpec {
  readonly key: string;
  /** Name on the Docker host. */
  readonly name: string;
  readonly lifecycle: VolumeLifecycle;
}

export interface HostSpec {
  readonly name: string;
  /** ssh:// or tcp:// address of its Engine; none for `local`, the provider's default. */
  readonly url?: string;
  /** Extra options for the local `ssh` client the provider runs to reach an ssh:// Engine. */
  readonly sshOpts?: readonly string[];
  /** For a tcp:// Engine: the folder of ca.pem, cert.pem and key.pem (TLS). */
  readonly certPath?: string;
}

export interface StackSpec {
  /** The hosts some service runs on. */
  readonly hosts: readonly HostSpec[];
  readonly networkName: string;
  readonly images: readonly ImageSpec[];
  readonly volumes: readonly VolumeSpec[];
  readonly services: readonly ServiceSpec[];
}

/** The Docker names of a service's containers: `<containerName>-<n>` for each copy, else its containerName. */
export function containersOf(spec: Pick<ServiceSpec, "containerName" | "copies">): string[] {
  if (spec.copies === undefined) return [spec.containerName];
  return Array.from({ length: spec.copies }, (_, i) => `${spec.containerName}-${i + 1}`);
}

/** The tasks a scheduled service runs: its replicas, none while robotoff:stopped lists it; undefined unscheduled. */
export function runningReplicas(spec: Pick<ServiceSpec, "scheduling" | "stopped">): number | undefined {
  if (!spec.scheduling) return undefined;
  return spec.stopped ? 0 : spec.scheduling.replicas;
}
