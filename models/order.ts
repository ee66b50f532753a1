import type { ServiceName, ServiceSpec } from "./spec";

/** A node of a dependency graph: what `dependsOn` names outside the graph is ignored. */
export interface Node {
  readonly key: string;
  readonly dependsOn: readonly string[];
}

/**
 * Keys by dependency level: level 0 holds what depends on nothing in the graph, level n what depends on
 * level n-1 at the latest (what `pulumi up` can do in parallel at each step). Throws on a cycle, naming it.
 */
export function dependencyLevels(nodes: readonly Node[]): string[][] {
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  const level = new Map<string, number>();
  const visit = (key: string, path: readonly string[]): number => {
    const known = level.get(key);
    if (known !== undefined) return known;
    if (path.includes(key)) throw new Error(`dependency cycle: ${[...path.slice(path.indexOf(key)), key].join(" -> ")}`);
    const deps = byKey.get(key)!.dependsOn.filter((d) => byKey.has(d));
    const value = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((d) => visit(d, [...path, key])));
    level.set(key, value);
    return value;
  };
  const levels: string[][] = [];
  for (const n of nodes) (levels[visit(n.key, [])] ??= []).push(n.key);
  return levels.map((l) => l.sort());
}

/** Services level by level, each after what it depends on; throws on a cycle or an unknown name. */
export function startOrder(services: readonly ServiceSpec[]): ServiceSpec[] {
  const byName = new Map<string, ServiceSpec>(services.map((s) => [s.name, s]));
  for (const svc of services) {
    for (const dep of svc.dependsOn) {
      if (!byName.has(dep)) throw new Error(`${svc.name} depends on ${dep}, which the stack does not run`);
    }
  }
  const levels = dependencyLevels(services.map((s) => ({ key: s.name, dependsOn: s.dependsOn })));
  return levels.flat().map((name) => byName.get(name as ServiceName)!);
}
