/** Runs once before the engine tier's files: an Engine must answer, and an interrupted run's leftovers go first. */
import { engineAnswers } from "./engine-api";
import { removeLeftovers } from "./leftovers";
import { removeBed } from "../hosts/bed";

export default async function setup(): Promise<void> {
  if (!(await engineAnswers())) {
    throw new Error("no Docker Engine answers on this machine: start dockerd (.ci/run does, or skips the tier with ROBOTOFF_SKIP_ENGINE=1)");
  }
  await removeLeftovers((line) => process.stdout.write(`[leftovers] ${line}\n`));
  // The test bed's hosts (namespaces, their dockerd and sshd) an interrupted run left.
  await removeBed((line) => process.stdout.write(`[leftovers] ${line}\n`));
}
