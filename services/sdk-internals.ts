/**
 * Every use of @pulumi/pulumi internals (modules and fields outside its public API), read from the SDK
 * version below. On another version this module fails at load, saying what to check again: the program
 * (services/pulumi-config.ts) and the offline render (tools/render/offline.ts) both go through it.
 */
import type * as pulumi from "@pulumi/pulumi";

export const SDK_VERSION_READ = "3.248.0";

/** Why the installed SDK cannot be used with these internals, or undefined when it can. */
export function sdkVersionProblem(installed: string): string | undefined {
  if (installed === SDK_VERSION_READ) return undefined;
  return (
    `@pulumi/pulumi ${installed} is installed, but services/sdk-internals.ts was written for ${SDK_VERSION_READ}: ` +
    "check runtime/config isConfigSecret, runtime/rpc serializeResourceProperties and its secret signature, " +
    "Resource.__aliases as read by allAliases, runtime/dependsOn gatherExplicitDependencies and Output's promise() in that version, then set SDK_VERSION_READ"
  );
}

const problem = sdkVersionProblem(require("@pulumi/pulumi/package.json").version);
if (problem) throw new Error(problem);

const runtimeConfig: { isConfigSecret: (key: string) => boolean } = require("@pulumi/pulumi/runtime/config");

/** Whether the CLI decrypted config `key` from a `secure:` value (the SDK keeps the list, exports no check). */
export const isConfigSecret = (key: string): boolean => runtimeConfig.isConfigSecret(key);

/** Resource inputs serialized as the SDK registers them, with the resources each property depends on. */
export { serializeResourceProperties, specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";

/**
 * `parent` as pulumi.allAliases sees it, with the given URN and alias URNs: allAliases reads the
 * parent's internal `__aliases` to derive a child's aliases from its parent's.
 */
export function withAliases(parent: pulumi.Resource, urn: pulumi.Output<string>, aliases: pulumi.Output<string>[]): pulumi.Resource {
  return Object.create(parent, { urn: { value: urn }, __aliases: { value: aliases } });
}

/**
 * An Output's value, rejecting when the Output does: a registration the mocks refused rejects its
 * resource's URN, where `apply` would never call back (and a render awaiting it would hang). The
 * promise() of an Output is internal to the SDK.
 */
export const outputValue = <T>(out: pulumi.Output<T>): Promise<T> => (out as unknown as { promise(): Promise<T> }).promise();

const dependsOnModule: { gatherExplicitDependencies(d: unknown): Promise<pulumi.Resource[]> } = require("@pulumi/pulumi/runtime/dependsOn");

/** The resources a `dependsOn` option names, Outputs resolved, as the SDK gathers them when it registers the resource. */
export const explicitDependencies = (dependsOn: pulumi.ResourceOptions["dependsOn"]): Promise<pulumi.Resource[]> =>
  dependsOnModule.gatherExplicitDependencies(dependsOn);
