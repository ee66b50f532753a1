/**
 * One scratch folder for everything a run of the suite writes to the temporary folder (TMPDIR, which
 * os.tmpdir() and the child commands read): removed when the run ends, whatever a test left in it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  const scratch = mkdtempSync(join(tmpdir(), "robotoff-test-"));
  process.env.TMPDIR = scratch;
  return () => rmSync(scratch, { recursive: true, force: true });
}
