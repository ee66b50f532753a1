/** `render --format graph`: the order Pulumi can create the resources in. */
import { dependencyLevels } from "../../models/order";
import type { Rendered } from "./offline";
import { shortType } from "./table";

/** The custom resources by dependency level, one line per level. */
export function toGraph(rendered: Rendered): string {
  const nodes = rendered.resources
    .filter((r) => r.custom)
    .map((r) => {
      const key = `${r.type}::${r.name}`;
      return { key, dependsOn: rendered.dependencies.get(key) ?? [] };
    });
  const levels = dependencyLevels(nodes);
  const name = (key: string) => `${key.split("::")[1]} (${shortType(key.split("::")[0])})`;
  return [
    `${rendered.project}/${rendered.stack}: ${levels.length} levels, each can run in parallel once the one above is done`,
    ...levels.map((l, i) => `level ${i}: ${l.map(name).join(", ")}`),
  ].join("\n");
}
