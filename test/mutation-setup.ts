// vitest setupFiles of the mutation run only (vitest.mutation.config.mts), after StrykerJS's own setup file.
import { afterAll, beforeAll, beforeEach, inject } from "vitest";
import { collectWithoutMutant, endFile, startFile, startTest } from "./mutation-coverage";

const provided = inject as (key: string) => unknown; // what @stryker-mutator/vitest-runner provides
if (provided("mode") === "mutant" && provided("mutantActivation") === "runtime") collectWithoutMutant();
beforeAll(startFile);
beforeEach(startTest);
afterAll(endFile);
