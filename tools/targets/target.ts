/**
 * The seam between the operator commands and a target (robotoff:target): how `ops` and `livecheck` list, stop,
 * start, exec in and check a stack's services. Each target is a folder beside this file that implements
 * OpsTarget; tools/targets/index.ts picks the stack's.
 */
import { containersOf, runningReplicas } from "../../models/spec";
import type { StackPlan } from "../../models/stack-plan";
import type { CommandResult } from "../shared/command";

export interface DeclaredContainer {
  /** Compose service name. */
  readonly service: string;
  /** Docker container name (on Swarm: the service's name). */
  readonly name: string;
  /** Which copy of its service it is (1, 2…), for a service that runs copies. */
  readonly copy?: number;
  readonly hasHealthcheck: boolean;
  /** Kept stopped by robotoff:stopped: up while it does not run. */
  readonly stopped?: boolean;
  /** A one-off task (ServiceSpec.oneOff): up once it exited 0. */
  readonly oneOff?: boolean;
  /** What the stack sets that an operator can change by hand and the next `pulumi up` puts back (containers target). */
  readonly memoryMb?: number;
  readonly restart?: string;
}

export interface PlacedContainer extends DeclaredContainer {
  /** The Docker host it runs on, and that Engine's url (none for the default one). */
  readonly host: string;
  readonly url?: string;
  /** A copy: how long it may take to turn healthy (its service's wait timeout). */
  readonly waitSeconds?: number;
  /** On Swarm: the service's configured replicas, and the tasks the stack runs (none while robotoff:stopped lists it). */
  readonly replicas?: number;
  readonly expectedTasks?: number;
}

export interface Verdict {
  readonly service: string;
  readonly up: boolean;
  readonly detail?: string;
}

/** The service's name, and the copy's number for a copy (`api-2`). */
export const labelOf = (d: Pick<DeclaredContainer, "service" | "copy">) => (d.copy === undefined ? d.service : `${d.service}-${d.copy}`);

/** The containers the stack declares, from its StackSpec, by service name. */
export function declaredContainers(plan: StackPlan): PlacedContainer[] {
  const urls = new Map(plan.spec.hosts.map((h) => [h.name, h.url]));
  return plan.spec.services
    .flatMap((s) =>
      containersOf(s).map((name, i) => ({
        service: s.name,
        name,
        ...(s.copies !== undefined ? { copy: i + 1, ...(s.waitTimeoutSeconds !== undefined ? { waitSeconds: s.waitTimeoutSeconds } : {}) } : {}),
        hasHealthcheck: s.healthcheck !== undefined,
        host: s.host,
        ...(urls.get(s.host) ? { url: urls.get(s.host) } : {}),
        ...(s.stopped ? { stopped: true } : {}),
        ...(s.oneOff ? { oneOff: true } : {}),
        ...(s.scheduling ? {} : { memoryMb: s.memoryMb, restart: s.restart }),
        ...(s.scheduling ? { replicas: s.scheduling.replicas, expectedTasks: runningReplicas(s) } : {}),
      })),
    )
    .sort((a, b) => a.service.localeCompare(b.service) || a.name.localeCompare(b.name));
}

export type LifecycleVerb = "stop" | "start" | "restart";

/** The api's health URL, as livecheck asks it: from the host of the service that publishes the api's port. */
export interface ApiHealthCheck {
  /** The service publishing the port: the api, or the proxy in front of its copies. */
  readonly service: string;
  readonly url: string;
  /** The api's image, which has the client that asks the URL (python3). */
  readonly image: string;
  /** The verdict from how the client that asked the URL ended. */
  answered(r: CommandResult): Verdict;
  /** The verdict when the URL cannot be asked, and why. */
  notChecked(why: string): Verdict;
}

/** What a target's check found: one verdict per declared container (then the api health's), and whether an Engine did not answer. */
export interface ServiceStates {
  readonly verdicts: Verdict[];
  readonly unreachable: boolean;
}

/** `ops logs` options, as `docker logs` takes them. */
export interface LogOptions {
  readonly follow: boolean;
  /** A number of lines, or `all`. */
  readonly tail?: string;
  readonly since?: string;
}

/**
 * How the operator commands reach a stack's services on one target. A command runs in a service as its own
 * process does: on Swarm, in a running task, with the secrets the task's process reads in its environment.
 */
export interface OpsTarget {
  /** Fails in one line (an UnreachableError) when the host of one of these services does not answer. */
  reachable(targets: readonly PlacedContainer[]): Promise<void>;
  /** `ops ps`: a table of these services. */
  ps(targets: readonly PlacedContainer[]): Promise<string>;
  /** Prints these services' logs, each line prefixed with its service when there are several; the exit status. */
  logs(targets: readonly PlacedContainer[], options: LogOptions): Promise<number>;
  /** Runs `command` in the service, its output captured (backup, restore). */
  exec(t: PlacedContainer, command: readonly string[], timeoutMs: number): Promise<CommandResult>;
  /** Runs `command` in the service with the terminal attached; its exit status. */
  execAttached(t: PlacedContainer, command: readonly string[]): Promise<number>;
  /** Stops (dependents first), starts or restarts these services, one line each; 1 when one failed. */
  lifecycle(verb: LifecycleVerb, targets: readonly PlacedContainer[]): Promise<number>;
  /** livecheck: is every declared container running (healthy where it has a healthcheck), then the api's URL. */
  check(declared: readonly PlacedContainer[], api?: ApiHealthCheck): Promise<ServiceStates>;
}
