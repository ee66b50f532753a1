/** `render --format json`: what the program registers, with its secrets hidden unless asked for. */
import type { Rendered } from "./offline";
import { Secret } from "./secret";

/**
 * A value with its secrets hidden as "[secret]", or shown: wrapped as {"secret": value} for JSON,
 * bare for the table.
 */
export function revealed(value: unknown, showSecrets: boolean, wrap = true): unknown {
  if (value instanceof Secret) {
    if (!showSecrets) return "[secret]";
    const inner = revealed(value.value, true, wrap);
    return wrap ? { secret: inner } : inner;
  }
  if (Array.isArray(value)) return value.map((v) => revealed(v, showSecrets, wrap));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealed(v, showSecrets, wrap)]));
  }
  return value;
}

export function toJson(rendered: Rendered, showSecrets: boolean): string {
  const { project, stack, resources, outputs } = rendered;
  return JSON.stringify(revealed({ project, stack, resources, outputs }, showSecrets), null, 2);
}
