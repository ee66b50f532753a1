/**
 * Prints the URNs a stack registers, for the state of a release (test/fixtures/urns/<stack>.txt).
 * Nothing writes the fixture but you: at a release, review the difference before you commit it,
 *   for s in dev staging prod; do node -r ./tools/register.js test/update-urns.ts $s | diff <(grep -v '^#' test/fixtures/urns/$s.txt) -; done
 * stack-rules.ts then fails any change that would orphan one of them without an alias.
 */
import { join, resolve } from "node:path";
import { runOffline } from "../tools/render/offline";
import { loadRuntimeConfig } from "../tools/shared/stack-file";

const projectDir = resolve(__dirname, "..");
const stack = process.argv[2];
runOffline(loadRuntimeConfig(projectDir, stack), join(projectDir, "index.ts"), { analyze: true }).then((r) => {
  process.stdout.write(
    `${[...r.state.values()]
      .map((s) => s.urn)
      .sort()
      .join("\n")}\n`,
  );
});
