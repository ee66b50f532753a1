/**
 * The seam between the operator commands and a target (robotoff:target): how `ops` and `livecheck` list, stop,
 * start, exec in and check a stack's services. Each target is a folder beside this file that implements
 * OpsTarget; tools/targets/index.ts picks the stack's.
 */
import { containersOf, runningReplicas } from "../../models/spec";
import type { StackPlan } from "../../models/stack-plan";
import type { Docker } from "../shared/docker";

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
        ...(s.scheduling ? { replicas: s.scheduling.replicas, expectedTasks: runningReplicas(s) } : {}),
      })),
    )
    .sort((a, b) => a.service.localeCompare(b.service) || a.name.localeCompare(b.name));
}

export type LifecycleVerb = "stop" | "start" | "restart";

/** The api's health URL, as livecheck asks it: from the Engine of the service that publishes the api's port. */
export interface ApiHealthCheck {
  /** The service publishing the port: the api, or the proxy in front of its copies. */
  readonly service: string;
  readonly url: string;
  /** Asks the URL from the host of the Engine at `engine`. */
  probe(engine: string | undefined): Promise<Verdict>;
  /** The verdict when the URL cannot be asked, and why. */
  notChecked(why: string): Verdict;
}

/** What a target's check found: one verdict per declared container (then the api health's), and whether an Engine did not answer. */
export interface ServiceStates {
  readonly verdicts: Verdict[];
  readonly unreachable: boolean;
}

/** How the operator commands reach a stack's services on one target. */
export interface OpsTarget {
  /** The docker CLI on the stack's hosts (tools/shared/docker.ts dockerOn). */
  readonly docker: Docker;
  /** The environment the docker CLI needs for one of the hosts. */
  readonly env: (url: string | undefined) => NodeJS.ProcessEnv | undefined;
  /** `ops ps`: a table of these services. */
  ps(targets: readonly PlacedContainer[]): Promise<string>;
  /** The docker CLI's words for a service's logs (`logs <container>`, `service logs <service>`). */
  readonly logsCommand: readonly string[];
  /**
   * What follows `docker exec [-i]` to run `command` in a service: its container, or a running task's on
   * Swarm, where the command is also given the secrets the task's own process reads.
   */
  exec(t: PlacedContainer, command: readonly string[]): Promise<string[]>;
  /** Stops (dependents first), starts or restarts these services, one line each; 1 when one failed. */
  lifecycle(verb: LifecycleVerb, targets: readonly PlacedContainer[]): Promise<number>;
  /** livecheck: is every declared container running (healthy where it has a healthcheck), then the api's URL. */
  check(declared: readonly PlacedContainer[], api?: ApiHealthCheck): Promise<ServiceStates>;
}
