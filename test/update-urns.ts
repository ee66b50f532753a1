/**
 * Records the URNs a stack registers, as the state of a release: run at each release,
 *   for s in dev staging prod; do node -r ./tools/register.js test/update-urns.ts $s; done
 * stack-rules.ts then fails any change that would orphan one of them without an alias.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderStack } from "./harness";

const stack = process.argv[2];
renderStack(stack).then((r) => {
  const urns = [...r.state.values()].map((s) => s.urn).sort();
  writeFileSync(join(__dirname, "fixtures", "urns", `${stack}.txt`), `${urns.join("\n")}\n`);
});
