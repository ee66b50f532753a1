/**
 * What a valid config may still get wrong, said as warnings (the deploy goes on): a floating app tag where
 * releases are pinned, and an environment that is not the one the stack's name says.
 */
import { ENVIRONMENTS, NAMESPACE } from "./config";
import type { AnyStackConfig } from "./generations";

export function configWarnings(cfg: AnyStackConfig, stack: string): string[] {
  const warnings: string[] = [];
  if (cfg.environment !== "dev" && !cfg.dev.enabled && cfg.app.tag === "latest")
    warnings.push(
      `${NAMESPACE}:app.tag: latest in ${cfg.environment}: each deploy runs whatever latest is at that moment, and a rollback has no earlier tag to go back to; pin the release: pulumi config set --path '${NAMESPACE}:app.tag' sha-<commit> --stack ${stack}`,
    );
  // prod, prod-2022, staging_swarm...: the name's first word, when it names an environment.
  const named = ENVIRONMENTS.find((e) => stack.split(/[-_.]/)[0] === e);
  if (named && named !== cfg.environment)
    warnings.push(
      `${NAMESPACE}:environment: ${cfg.environment} in stack ${stack}: the stack follows ${cfg.environment}'s overlays and defaults, not ${named}'s; if ${named} is meant: pulumi config set '${NAMESPACE}:environment' ${named} --stack ${stack}`,
    );
  return warnings;
}
