/**
 * Pure mappings from a ServiceSpec to docker.Container inputs, where the provider or the Engine needs
 * more than a field-for-field copy. Each rule is one the real Engine taught (see the engine test tier).
 */
import { posix } from "node:path";
import type { PublishedPort } from "../models/ports";
import type { Healthcheck, ServiceSpec } from "../models/spec";
import { formatDuration } from "../models/duration";
import { shellQuote } from "../models/shell";

export interface ContainerPort {
  readonly internal: number;
  readonly external: number;
  readonly ip: string;
  readonly protocol: string;
}

/**
 * Compose's `5500:5500` publishes on 0.0.0.0 and [::]. The provider sends ip "0.0.0.0" when none is
 * given (its schema default), which is IPv4 only: "every interface" becomes one binding per family.
 */
export function containerPorts(ports: readonly PublishedPort[]): ContainerPort[] {
  return ports.flatMap((p) =>
    (p.ip === undefined ? ["0.0.0.0", "::"] : [p.ip]).map((ip) => ({ internal: p.containerPort, external: p.port, ip, protocol: p.protocol })),
  );
}

/**
 * Docker gives a container with a memory limit and no swap limit twice that as memory+swap. The
 * provider's update sends `memory` without a swap value unless one is set, and the Engine then refuses
 * any limit above the old swap value; it also reads `memorySwap` back. Stating Docker's own default
 * keeps compose's behaviour, lets a raised limit apply in place, and keeps refreshes quiet.
 */
export const memorySwapMb = (memoryMb: number): number => 2 * memoryMb;

/** How a container receives the files its spec ships. */
export interface FileDelivery {
  /** Provider uploads (copied into the container at `/` before it starts). */
  readonly uploads?: { file: string; content: string }[];
  /** With a read-only root: a shell that writes the files to tmpfs, then execs the image's entrypoint. */
  readonly entrypoints?: string[];
  readonly env?: Record<string, string>;
  readonly tmpfs?: Record<string, string>;
}

const FILE_VAR = (i: number) => `ROBOTOFF_FILE_${i}`;

/**
 * The provider copies uploads to `/`, which the Engine refuses on a read-only root filesystem (even
 * when the target folder is a volume or tmpfs). Such a container gets its files through variables
 * instead, written by `/bin/sh` into a tmpfs over each file's folder before the image's entrypoint runs.
 */
export function fileDelivery(spec: Pick<ServiceSpec, "name" | "files" | "readOnlyRootfs" | "entrypoint">): FileDelivery {
  const files = spec.files ?? [];
  if (files.length === 0) return {};
  if (!spec.readOnlyRootfs) return { uploads: files.map((f) => ({ file: f.containerPath, content: f.content })) };
  if (!spec.entrypoint?.length) {
    throw new Error(`${spec.name}: files on a read-only root need the image's entrypoint in the spec, to run it after writing them`);
  }
  const writes = files.map((f, i) => `printf '%s' "$${FILE_VAR(i)}" > ${shellQuote(f.containerPath)}`);
  return {
    entrypoints: ["/bin/sh", "-c", `${writes.join(" && ")} && exec "$0" "$@"`, ...spec.entrypoint],
    env: Object.fromEntries(files.map((f, i) => [FILE_VAR(i), f.content])),
    tmpfs: Object.fromEntries([...new Set(files.map((f) => posix.dirname(f.containerPath)))].map((dir) => [dir, "rw,noexec,nosuid,size=1m"])),
  };
}

/**
 * A healthcheck as both the Container and the Service of the provider take it, durations written as the provider
 * reads them back: Go's Duration.String() for a container (the default), shortDuration for a Swarm service.
 */
export function dockerHealthcheck(health: Healthcheck, format: (seconds: number) => string = formatDuration) {
  return {
    tests: ["CMD", ...health.command],
    interval: format(health.intervalSeconds),
    timeout: format(health.timeoutSeconds),
    retries: health.retries,
    startPeriod: format(health.startPeriodSeconds),
  };
}
