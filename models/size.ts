/**
 * Compose byte sizes (`mem_limit: 2g`, `shm_size: 1g`) and their conversion to the whole mebibytes
 * that pulumi-docker's `memory`, `memorySwap` and `shmSize` take.
 */

const UNIT_BYTES = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as const;
const MIB = UNIT_BYTES.m;
const SIZE = /^([1-9][0-9]*)([bkmg])$/;

/** Why `text` is not a size we accept, or undefined when it is one. */
export function sizeProblem(text: string): string | undefined {
  const match = SIZE.exec(text);
  if (!match) return "a compose size: a whole number followed by b, k, m or g (e.g. 512m, 2g)";
  const bytes = Number(match[1]) * UNIT_BYTES[match[2] as keyof typeof UNIT_BYTES];
  if (!Number.isSafeInteger(bytes)) return "a size below 8 PiB";
  if (bytes % MIB !== 0) return "a whole number of mebibytes (Docker limits are set in MB here)";
  return undefined;
}

/** `2g` -> 2048, `512m` -> 512. Throws on anything `sizeProblem` rejects. */
export function sizeToMb(text: string): number {
  const problem = sizeProblem(text);
  if (problem) throw new Error(`"${text}" is not ${problem}`);
  const [, amount, unit] = SIZE.exec(text)!;
  return (Number(amount) * UNIT_BYTES[unit as keyof typeof UNIT_BYTES]) / MIB;
}

/** The shortest compose size for a whole number of MB: 2048 -> `2g`, 1536 -> `1536m`. */
export function formatMb(mb: number): string {
  if (!Number.isSafeInteger(mb) || mb <= 0) throw new Error(`${mb} is not a positive whole number of MB`);
  return mb % 1024 === 0 ? `${mb / 1024}g` : `${mb}m`;
}
