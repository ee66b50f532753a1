/**
 * Host-side bindings of published ports, written like compose's `ROBOTOFF_EXPOSE` / `POSTGRES_EXPOSE`:
 * `[ip:]port`, e.g. `127.0.0.1:5500` or `5500` (every interface, as compose does).
 */
import { isIPv4 } from "node:net";

export interface HostBinding {
  /** Host interface; undefined means every interface (compose's default). */
  readonly ip?: string;
  readonly port: number;
}

export interface PublishedPort extends HostBinding {
  /** Port inside the container. */
  readonly containerPort: number;
  readonly protocol: "tcp" | "udp";
  /** The config key that sets the binding (`app.api.expose.http`), for validation's messages. */
  readonly configKey: string;
}

const BINDING = /^(?:(.+):)?([0-9]+)$/;

export function bindingProblem(text: string): string | undefined {
  const match = BINDING.exec(text);
  if (!match) return "[ip:]port, e.g. 127.0.0.1:5500 or 5500";
  const [, ip, port] = match;
  if (ip !== undefined && !isIPv4(ip)) return "an IPv4 address before the port, e.g. 127.0.0.1:5500";
  const n = Number(port);
  if (!(n >= 1 && n <= 65535)) return "a port from 1 to 65535";
  return undefined;
}

export function parseBinding(text: string): HostBinding {
  const problem = bindingProblem(text);
  if (problem) throw new Error(`"${text}" is not ${problem}`);
  const [, ip, port] = BINDING.exec(text)!;
  return ip === undefined ? { port: Number(port) } : { ip, port: Number(port) };
}

export function formatBinding(binding: HostBinding): string {
  return binding.ip === undefined ? String(binding.port) : `${binding.ip}:${binding.port}`;
}

/**
 * The rules on host addresses, in one place for the config's validation, the spec, the policy pack and
 * doctor (which also reads the addresses Docker prints: `0.0.0.0`, `::`, `[::]`).
 */
export function isEveryInterface(ip: string | undefined): boolean {
  return ip === undefined || ip === "0.0.0.0" || ip === "::" || ip === "[::]";
}

export function isLoopback(ip: string | undefined): boolean {
  return ip !== undefined && (ip.startsWith("127.") || ip === "::1" || ip === "[::1]");
}

/** The address a client on the host itself reaches a binding at: its own, or loopback for every interface. */
export function addressOnHost(binding: HostBinding): string {
  return isEveryInterface(binding.ip) ? "127.0.0.1" : binding.ip!;
}

/** True when the binding is reachable from outside the host. */
export function isPublic(binding: HostBinding): boolean {
  return !isLoopback(binding.ip);
}

/** Two bindings the Engine cannot both hold: one port, on the same address or on every interface. */
export function bindingsClash(a: HostBinding, b: HostBinding): boolean {
  return a.port === b.port && (isEveryInterface(a.ip) || isEveryInterface(b.ip) || a.ip === b.ip);
}

/**
 * The container label that states that intent, for the policy pack (policy/policies.ts) to read: it
 * cannot read the stack's config, only what the program registers.
 */
export const PUBLISH_BEYOND_LOOPBACK_LABEL = "org.openfoodfacts.robotoff.publish-beyond-loopback";
