/**
 * The generations side by side: a validated config of either, and the one place that picks a generation's catalog.
 * The rest of the stack reads the StackSpec, which names no generation.
 */
import type { StackConfig } from "./config";
import type { SecretKey } from "./secrets";
import type { StackSpec } from "./spec";
import { buildStackSpec } from "./stack";
import type { StackFiles } from "./compose";
import type { Config2026 } from "./generations/2026-06/config";
import { buildStackSpec2026 } from "./generations/2026-06/stack";

/** A validated config of either generation (its `generation` says which). */
export type AnyStackConfig = StackConfig | Config2026;

/** The topology of a validated config, from its generation's catalog. */
export function specOf(cfg: AnyStackConfig, secrets: ReadonlySet<SecretKey>, files: StackFiles = {}): StackSpec {
  return cfg.generation === "2026-06" ? buildStackSpec2026(cfg, secrets, files) : buildStackSpec(cfg, secrets, files);
}
