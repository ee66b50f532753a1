/**
 * What rebuilds an image the stack builds: the provider rebuilds a RemoteImage only when its inputs
 * change, so the files its build depends on are hashed into `triggers`. The provider sends the build
 * context from the machine that runs Pulumi, so that is where they are read.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { ImageSpec, StackSpec } from "../models/spec";

/** Files of the Robotoff checkout whose change needs a new image (sources are mounted in dev). */
export const BUILD_INPUTS = ["Dockerfile", "pyproject.toml", "poetry.lock", "poetry.toml"] as const;

export const ABSENT = "absent";

/** sha256 of each build input under the context folder, or "absent". */
export function hashBuildInputs(context: string, read: (path: string) => Buffer = readFileSync): Record<string, string> {
  return Object.fromEntries(
    BUILD_INPUTS.map((file) => {
      try {
        return [
          file,
          createHash("sha256")
            .update(read(join(context, file)))
            .digest("hex"),
        ];
      } catch {
        return [file, ABSENT];
      }
    }),
  );
}

/** Whether a build context on this machine holds the Dockerfile its build needs. */
export const hasDockerfile = (context: string, read?: (path: string) => Buffer): boolean => hashBuildInputs(context, read).Dockerfile !== ABSENT;

/**
 * Triggers per built image. A missing Dockerfile fails a deploy here, naming the config key, rather
 * than in the provider's build; a preview only warns (CI previews run without the checkout).
 */
export function buildTriggers(spec: StackSpec): Record<string, Record<string, string>> {
  const built = spec.images.filter((i): i is ImageSpec & { build: NonNullable<ImageSpec["build"]> } => i.build !== undefined);
  return Object.fromEntries(
    built.map((image) => {
      const triggers = hashBuildInputs(image.build.context);
      if (triggers.Dockerfile === ABSENT) {
        const message = `robotoff:hostRoot: the ${image.reference} image is built from ${image.build.context} on this machine (dev.enabled), which has no Dockerfile there`;
        if (!pulumi.runtime.isDryRun()) throw new pulumi.RunError(message);
        pulumi.log.warn(message);
      }
      return [image.key, triggers];
    }),
  );
}
