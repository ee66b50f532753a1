/** `ops ps`: compose's table (name, command, service, state with health, ports) from `docker inspect`. */
import type { Docker } from "../../shared/docker";
import type { PlacedContainer } from "../target";

/** The parts of `docker inspect` output that ps reads. */
export interface PsContainer {
  readonly Name: string;
  readonly Path?: string;
  readonly Args?: readonly string[];
  readonly State: { readonly Status: string; readonly ExitCode?: number; readonly Health?: { readonly Status: string } };
  readonly NetworkSettings?: { readonly Ports?: Record<string, { HostIp: string; HostPort: string }[] | null> | null };
}

export interface PsTarget {
  readonly service: string;
  readonly name: string;
  readonly host: string;
}

/** Compose's COMMAND column: the process line, quoted, cut at 20 characters. */
export function commandColumn(c: PsContainer): string {
  const line = [c.Path ?? "", ...(c.Args ?? [])].join(" ").trim();
  return JSON.stringify(line.length > 20 ? `${line.slice(0, 19)}…` : line);
}

/** `running (healthy)`, `exited (137)`, or `missing` for a declared container the host does not have. */
export function stateColumn(c: PsContainer | undefined): string {
  if (!c) return "missing";
  const s = c.State;
  if (s.Status === "exited") return `exited (${s.ExitCode ?? 0})`;
  return s.Health ? `${s.Status} (${s.Health.Status})` : s.Status;
}

/** `127.0.0.1:5432->5432/tcp, 9102/tcp`, as `docker ps` prints them. */
export function portsColumn(c: PsContainer | undefined): string {
  const ports = c?.NetworkSettings?.Ports ?? {};
  return Object.entries(ports)
    .sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }))
    .flatMap(([port, bindings]) =>
      bindings?.length ? bindings.map((b) => `${b.HostIp.includes(":") ? `[${b.HostIp}]` : b.HostIp}:${b.HostPort}->${port}`) : [port],
    )
    .join(", ");
}

/** The table, one row per declared container, in the order given; HOST only when there are several. */
export function psTable(targets: readonly PsTarget[], found: readonly PsContainer[]): string {
  const byName = new Map(found.map((c) => [c.Name.replace(/^\//, ""), c]));
  const hosts = new Set(targets.map((t) => t.host)).size > 1;
  const header = ["NAME", "COMMAND", "SERVICE", ...(hosts ? ["HOST"] : []), "STATE", "PORTS"];
  const rows = targets.map((t) => {
    const c = byName.get(t.name);
    return [t.name, c ? commandColumn(c) : "", t.service, ...(hosts ? [t.host] : []), stateColumn(c), portsColumn(c)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows]
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i])))
        .join("   ")
        .trimEnd(),
    )
    .join("\n");
}

/** The table of these containers, inspected on their hosts, by name as compose lists them. */
export async function containersPs(run: Docker, targets: readonly PlacedContainer[]): Promise<string> {
  const found: PsContainer[] = [];
  for (const url of new Set(targets.map((t) => t.url))) {
    // Exits 1 when a name is missing, yet prints the ones it found.
    const answer = await run(url, ["inspect", "--type", "container", ...targets.filter((t) => t.url === url).map((t) => t.name)], 60_000);
    found.push(...(JSON.parse(answer.stdout || "[]") as PsContainer[]));
  }
  return psTable(
    [...targets].sort((a, b) => a.name.localeCompare(b.name)),
    found,
  );
}
