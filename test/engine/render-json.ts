/**
 * node --require ./tools/register.js test/engine/render-json.ts <stack> <config file>
 * Prints, as JSON, what the engine tier replays: each resource's inputs (secrets bare), its options, the
 * provider it is registered with, and every resource it waits for (explicit and implicit), in an order
 * where each comes after what it waits for. One stack per process: the SDK keeps global state.
 */
import { join, resolve } from "node:path";
import { loadRuntimeConfig } from "../../tools/shared/stack-file";
import { runOffline } from "../../tools/render/offline";
import { revealed } from "../../tools/render/json";
import { dependencyLevels } from "../../models/order";

export interface EngineResource {
  readonly key: string;
  readonly type: string;
  readonly name: string;
  readonly id?: string;
  readonly inputs: Record<string, any>;
  readonly options: { dependsOn: string[]; replaceOnChanges: string[]; deleteBeforeReplace: boolean; protect: boolean; retainOnDelete: boolean };
  /** Logical name of the explicit provider (a Docker host of robotoff:hosts); none for the default one. */
  readonly provider?: string;
  readonly waitsFor: string[];
}

export interface EngineRender {
  readonly resources: EngineResource[];
  readonly outputs: Record<string, any>;
}

async function main(stack: string, configFile: string): Promise<void> {
  const projectDir = resolve(__dirname, "..", "..");
  const r = await runOffline(loadRuntimeConfig(projectDir, stack, configFile), join(projectDir, "index.ts"), { analyze: true });
  const keyOf = (x: { type: string; name: string }) => `${x.type}::${x.name}`;
  const custom = r.resources.filter((x) => x.custom);
  const levels = dependencyLevels(custom.map((x) => ({ key: keyOf(x), dependsOn: r.dependencies.get(keyOf(x)) ?? [] })));
  const order = new Map(levels.flat().map((k, i) => [k, i]));
  const resources: EngineResource[] = custom
    .map((x) => ({
      key: keyOf(x),
      type: x.type,
      name: x.name,
      ...(x.id ? { id: x.id } : {}),
      inputs: revealed(x.inputs, true, false) as Record<string, any>,
      options: x.options,
      provider: r.providers.get(keyOf(x)),
      waitsFor: r.dependencies.get(keyOf(x)) ?? [],
    }))
    .sort((a, b) => order.get(a.key)! - order.get(b.key)!);
  const out: EngineRender = { resources, outputs: revealed(r.outputs, true, false) as Record<string, any> };
  process.stdout.write(JSON.stringify(out));
}

if (require.main === module) {
  main(process.argv[2], process.argv[3]).then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`${err?.message ?? err}\n`);
      process.exit(1);
    },
  );
}
