/** ResourceValidationArgs built by hand, as pulumi-policy's own tests do, from a render or from scratch. */
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import type { RecordedResource, Rendered } from "../tools/render/offline";
import { Secret } from "../tools/render/secret";
import { DEFAULT_CONFIG, policies, type RobotoffPolicyConfig } from "../policy/policies";

export interface Violation {
  readonly policy: string;
  readonly message: string;
}

/** Policies see secret values unwrapped, as the analyzer hands them. */
const unwrap = (v: unknown): any =>
  v instanceof Secret
    ? unwrap(v.value)
    : Array.isArray(v)
      ? v.map(unwrap)
      : typeof v === "object" && v !== null
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]))
        : v;

export function args(
  type: string,
  name: string,
  props: Record<string, any>,
  opts: Partial<ResourceValidationArgs["opts"]> = {},
  config: Partial<RobotoffPolicyConfig> = {},
): ResourceValidationArgs {
  return {
    type,
    name,
    props,
    urn: `urn:pulumi:test::robotoff::${type}::${name}`,
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
      ...opts,
    },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => ({ ...DEFAULT_CONFIG, ...config }) as unknown as T,
    notApplicable: (reason?: string) => {
      throw new Error(`not applicable: ${reason}`);
    },
  } as unknown as ResourceValidationArgs;
}

export async function validate(policy: ResourceValidationPolicy, a: ResourceValidationArgs): Promise<string[]> {
  const messages: string[] = [];
  const check = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
  for (const v of check) if (v) await v(a, (message) => messages.push(message));
  return messages;
}

/** Every policy over every resource the render registers (reads are not validated by the engine). */
export async function validateRender(r: Rendered, config: Partial<RobotoffPolicyConfig>): Promise<Violation[]> {
  const violations: Violation[] = [];
  for (const res of r.resources.filter((x: RecordedResource) => x.custom && !x.id)) {
    const key = `${res.type}::${res.name}`;
    const a = args(
      res.type,
      res.name,
      unwrap(res.inputs),
      {
        protect: res.options.protect,
        additionalSecretOutputs: r.secretOutputs.get(key) ?? [],
        aliases: r.state.get(key)?.aliases ?? [],
      },
      config,
    );
    for (const p of policies) for (const message of await validate(p, a)) violations.push({ policy: p.name, message });
  }
  return violations;
}
