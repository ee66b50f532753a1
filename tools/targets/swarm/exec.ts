/** `ops exec` (and backup, restore) on Swarm: in a running task's container, with the task's secrets. */
import type { ServiceSpec } from "../../../models/spec";
import { secretEnvCommand } from "../../../services/swarm/secret-env";
import { secretFiles } from "../../../services/swarm/service-inputs";
import { lastLine } from "../../shared/command";
import type { Docker } from "../../shared/docker";
import { InputError } from "../../shared/errors";
import type { PlacedContainer } from "../target";

/** A running task's container of the service on the Engine at `url`: where exec, backup and restore run. */
export async function swarmContainer(run: Docker, t: PlacedContainer): Promise<string> {
  const here = await run(
    t.url,
    ["ps", "--filter", `label=com.docker.swarm.service.name=${t.name}`, "--filter", "status=running", "--format", "{{.ID}}"],
    60_000,
  );
  const id = here.code === 0 ? here.stdout.split("\n").find(Boolean) : undefined;
  if (id) return id;
  const nodes = await run(t.url, ["service", "ps", "--filter", "desired-state=running", "--format", "{{.Node}}", t.name], 60_000);
  const where = [...new Set(nodes.stdout.split("\n").filter(Boolean))];
  throw new InputError(
    where.length > 0
      ? `no running task of ${t.service} (${t.name}) on this Engine: its tasks run on ${where.join(", ")}; run the command on that node`
      : `no running task of ${t.service} (${t.name}): ${here.code === 0 ? "none runs (npm run ops -- ps)" : lastLine(here)}`,
  );
}

/**
 * A command for `docker exec` in a task: given the secrets the task's own process reads into its
 * environment (services/swarm: a shell bridge in front of the image's command, which an exec bypasses).
 */
export function withSecretEnv(spec: Pick<ServiceSpec, "name" | "env">, command: readonly string[]): string[] {
  return secretEnvCommand(Object.fromEntries(secretFiles(spec).map((f) => [f.variable, f.fileName])), command);
}
