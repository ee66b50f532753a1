/**
 * The ENTRYPOINT and CMD of the images whose services receive secrets. Swarm's `command` replaces the
 * image's entrypoint (and drops its CMD), so the secret bridge (secret-env.ts) must run them itself.
 * Facts of the images, by image key (models/stack.ts), read from each upstream Dockerfile.
 */
export interface ImageDefaults {
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
}

export const IMAGE_DEFAULTS: Readonly<Record<string, ImageDefaults>> = {
  // Robotoff's Dockerfile: shell-form `ENTRYPOINT /docker-entrypoint.sh $0 $@`, and gunicorn as CMD.
  robotoff: {
    entrypoint: ["/bin/sh", "-c", "/docker-entrypoint.sh $0 $@"],
    cmd: ["gunicorn", "--config /opt/robotoff/gunicorn.py", "--log-file=-", "robotoff.app.api:api"],
  },
  // The official postgres image.
  postgres: { entrypoint: ["docker-entrypoint.sh"], cmd: ["postgres"] },
  "postgres-exporter": { entrypoint: ["/bin/postgres_exporter"], cmd: [] },
};

/** What the container runs: the spec's entrypoint and command where set, the image's otherwise (Docker's rule). */
export function effectiveCommand(image: string, entrypoint?: readonly string[], command?: readonly string[]): string[] {
  const defaults = IMAGE_DEFAULTS[image];
  if (!entrypoint && !defaults) throw new Error(`no entrypoint known for image ${image}: state it in services/swarm/image-defaults.ts`);
  // An entrypoint set in the spec resets the image's CMD, as `docker run --entrypoint` does.
  return [...(entrypoint ?? defaults.entrypoint), ...(command ?? (entrypoint ? [] : defaults.cmd))];
}
