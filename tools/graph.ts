/** Dependency levels: what `pulumi up` can do in parallel at each step. */

export interface Node {
  readonly key: string;
  readonly dependsOn: readonly string[];
}

/** Level 0 holds what depends on nothing; level n what depends on level n-1 at the latest. Throws on a cycle. */
export function dependencyLevels(nodes: readonly Node[]): string[][] {
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  const level = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (key: string): number => {
    const known = level.get(key);
    if (known !== undefined) return known;
    if (visiting.has(key)) throw new Error(`dependency cycle through ${key}`);
    visiting.add(key);
    const deps = (byKey.get(key)?.dependsOn ?? []).filter((d) => byKey.has(d));
    const value = deps.length === 0 ? 0 : 1 + Math.max(...deps.map(visit));
    visiting.delete(key);
    level.set(key, value);
    return value;
  };
  const levels: string[][] = [];
  for (const n of nodes) (levels[visit(n.key)] ??= []).push(n.key);
  return levels.map((l) => l.sort());
}
