/**
 * Durations in Go's canonical form (`30s`, `1m30s`, `1h0m0s`), the form Docker reports a healthcheck's
 * durations in: writing them that way keeps `pulumi preview` free of perpetual diffs.
 */

const PART = /([0-9]+)(h|m|s)/g;
const DURATION = /^(?:[0-9]+h)?(?:[0-9]+m)?(?:[0-9]+s)?$/;
const UNIT = { h: 3600, m: 60, s: 1 } as const;

export function durationProblem(text: string): string | undefined {
  if (text === "" || !DURATION.test(text)) return "a duration in whole seconds like 30s, 1m30s or 2h";
  return undefined;
}

/** `1m30s` -> 90. */
export function parseDuration(text: string): number {
  const problem = durationProblem(text);
  if (problem) throw new Error(`"${text}" is not ${problem}`);
  let seconds = 0;
  for (const [, n, unit] of text.matchAll(PART)) seconds += Number(n) * UNIT[unit as keyof typeof UNIT];
  return seconds;
}

/** 90 -> `1m30s`, 60 -> `1m0s`, 3600 -> `1h0m0s`, as Go's time.Duration prints them. */
export function formatDuration(seconds: number): string {
  if (!Number.isSafeInteger(seconds) || seconds < 0) throw new Error(`${seconds} is not a whole number of seconds`);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/**
 * A duration as kreuzwerker/terraform-provider-docker v4.5.0 reads a Swarm service's back (shortDur in
 * resource_docker_service_structures.go): Go's Duration.String() without a trailing "0s" after minutes or "0m"
 * after hours ("2m", "1h", "1m30s"). A service input written otherwise differs from the state on every `pulumi up`.
 */
export function shortDuration(seconds: number): string {
  const s = formatDuration(seconds);
  const minutes = s.endsWith("m0s") ? s.slice(0, -2) : s;
  return minutes.endsWith("h0m") ? minutes.slice(0, -2) : minutes;
}
