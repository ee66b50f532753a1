/**
 * Runs the Pulumi program under the SDK's own mocks (no CLI, no engine, no Docker) and records
 * every resource it registers, with its inputs and resource options.
 */
import * as pulumi from "@pulumi/pulumi";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import type { RuntimeConfig } from "./stack-config";

export const GENERATED_PLACEHOLDER = "<generated at deploy>";

/** A value the program marked secret. */
export class Secret {
  constructor(readonly value: unknown) {}
}

export interface RecordedOptions {
  dependsOn: string[];
  protect: boolean;
  retainOnDelete: boolean;
  deleteBeforeReplace: boolean;
  ignoreChanges: string[];
  replaceOnChanges: string[];
}

export interface RecordedResource {
  type: string;
  name: string;
  /** `<type>::<name>` of the parent component; null under the stack. */
  parent: string | null;
  custom: boolean;
  /** Set only for a resource read with `.get()`. */
  id?: string;
  /** Inputs as registered, with secrets as Secret instances. */
  inputs: Record<string, unknown>;
  options: RecordedOptions;
}

export interface Rendered {
  project: string;
  stack: string;
  resources: RecordedResource[];
  outputs: Record<string, unknown>;
}


/** Turns the SDK's serialized secret wrappers into Secret instances. */
function reviveSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reviveSecrets);
  if (typeof value === "object" && value !== null) {
    const obj = value as Record<string, unknown>;
    if (obj[specialSigKey] === specialSecretSig) return new Secret(reviveSecrets(obj.value));
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, reviveSecrets(v)]));
  }
  return value;
}

/** What the provider would report back, enough for the program's Output chains. */
function mockState(type: string, name: string, inputs: Record<string, any>): Record<string, unknown> {
  switch (type) {
    case "docker:index/remoteImage:RemoteImage":
      return { ...inputs, imageId: inputs.name, repoDigest: inputs.name };
    case "random:index/randomPassword:RandomPassword":
      return { ...inputs, result: GENERATED_PLACEHOLDER };
    default:
      return { name, ...inputs };
  }
}

async function resolveOutput(value: unknown): Promise<unknown> {
  const out: pulumi.Output<unknown> = pulumi.output(value as any);
  const [plain, secret] = await Promise.all([
    new Promise((resolve) => out.apply((v) => resolve(v))),
    pulumi.isSecret(out),
  ]);
  return secret ? new Secret(plain) : plain;
}

/**
 * Imports `programPath` under mocks and returns what it registered. Call once per process:
 * the SDK keeps one global program state.
 */
export async function runOffline(cfg: RuntimeConfig, programPath: string): Promise<Rendered> {
  const registered = new Map<string, RecordedResource>();
  const keyOf = new Map<pulumi.Resource, string>();
  const pending: { key: string; opts: pulumi.ResourceOptions; parent?: pulumi.Resource }[] = [];

  pulumi.runtime.setAllConfig(cfg.config, cfg.secretKeys);
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const inputs = reviveSecrets(args.inputs) as Record<string, unknown>;
        const key = `${args.type}::${args.name}`;
        if (args.type !== "pulumi:pulumi:Stack") {
          if (registered.has(key)) throw new Error(`two resources named ${key}`);
          registered.set(key, {
            type: args.type,
            name: args.name,
            parent: null,
            custom: args.custom ?? true,
            ...(args.id ? { id: args.id } : {}),
            inputs,
            options: undefined as unknown as RecordedOptions,
          });
        }
        return { id: args.id || `${args.name}-id`, state: mockState(args.type, args.name, args.inputs) };
      },
      call(args) {
        return args.inputs;
      },
    },
    cfg.project,
    cfg.stack,
    false,
  );

  // Kept as Outputs: the stack's own resolution would drop which values are secret.
  const exported: Record<string, unknown> = {};
  await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((t) => {
      keyOf.set(t.resource, `${t.type}::${t.name}`);
      pending.push({ key: `${t.type}::${t.name}`, opts: t.opts, parent: t.opts.parent });
      return undefined;
    });
    const program = await import(programPath);
    for (const [name, value] of Object.entries(program)) {
      if (name === "default" || name === "__esModule" || value === undefined) continue;
      exported[name] = value;
    }
    return exported;
  });

  const outputs: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(exported)) outputs[name] = await resolveOutput(value);

  const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  for (const { key, opts, parent } of pending) {
    const resource = registered.get(key);
    if (!resource) continue;
    resource.parent = parent && keyOf.has(parent) ? keyOf.get(parent)! : null;
    resource.options = {
      dependsOn: list(opts.dependsOn).map((d) => keyOf.get(d as pulumi.Resource) ?? "<unknown>"),
      protect: opts.protect ?? false,
      retainOnDelete: opts.retainOnDelete ?? false,
      deleteBeforeReplace: (opts as pulumi.CustomResourceOptions).deleteBeforeReplace ?? false,
      ignoreChanges: opts.ignoreChanges ?? [],
      replaceOnChanges: opts.replaceOnChanges ?? [],
    };
  }
  return { project: cfg.project, stack: cfg.stack, resources: [...registered.values()], outputs };
}
