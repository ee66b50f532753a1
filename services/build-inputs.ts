/**
 * The files of a Robotoff checkout that an image build depends on, hashed: services/containers/build-triggers.ts makes
 * them the image's rebuild triggers, and doctor checks the checkout with them. No Pulumi here, so that doctor
 * does not load the SDK.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const ABSENT = "absent";

/** sha256 of each build input (the image spec's `build.inputs`) under the context folder, or "absent". */
export function hashBuildInputs(context: string, inputs: readonly string[], read: (path: string) => Buffer = readFileSync): Record<string, string> {
  return Object.fromEntries(
    inputs.map((file) => {
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
export const hasDockerfile = (context: string, read?: (path: string) => Buffer): boolean =>
  hashBuildInputs(context, ["Dockerfile"], read).Dockerfile !== ABSENT;
