/**
 * What rebuilds an image the stack builds: the provider rebuilds a RemoteImage only when its inputs
 * change, so the files its build depends on are hashed into `triggers`. The provider sends the build
 * context from the machine that runs Pulumi, so that is where they are read.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ImageSpec, StackSpec } from "../../models/spec";
import { ABSENT, hashBuildInputs } from "../build-inputs";

/**
 * Triggers per built image. A missing Dockerfile fails a deploy here, naming the config key, rather
 * than in the provider's build; a preview only warns (CI previews run without the checkout).
 */
export function buildTriggers(spec: StackSpec): Record<string, Record<string, string>> {
  const built = spec.images.filter((i): i is ImageSpec & { build: NonNullable<ImageSpec["build"]> } => i.build !== undefined);
  return Object.fromEntries(
    built.map((image) => {
      const triggers = hashBuildInputs(image.build.context, image.build.inputs);
      if (triggers.Dockerfile === ABSENT) {
        const message = `robotoff:hostRoot: the ${image.reference} image is built from ${image.build.context} on this machine (dev.enabled), which has no Dockerfile there`;
        if (!pulumi.runtime.isDryRun()) throw new pulumi.RunError(message);
        pulumi.log.warn(message);
      }
      return [image.key, triggers];
    }),
  );
}
