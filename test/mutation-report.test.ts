import { describe, expect, it } from "vitest";
import { summarize } from "./mutation-report";

const mutant = (id: string, status: string, line: number, column: number, endColumn: number, replacement = '""') => ({
  id,
  mutatorName: "StringLiteral",
  replacement,
  status,
  location: { start: { line, column }, end: { line, column: endColumn } },
});

describe("mutation:survivors", () => {
  it("scores killed and timed-out mutants over the valid ones, and lists the others with the text they replaced", () => {
    const source = ['const a = "x";', 'const b = "yy";'].join("\n");
    const lines = summarize({
      files: {
        "models/b.ts": { source, mutants: [mutant("1", "Killed", 1, 11, 14), mutant("2", "Ignored", 1, 11, 14)] },
        "models/a.ts": {
          source,
          mutants: [
            mutant("3", "NoCoverage", 2, 11, 15),
            mutant("4", "Survived", 1, 11, 14, '"z"'),
            mutant("5", "Timeout", 2, 11, 15),
            mutant("6", "Killed", 2, 11, 15),
          ],
        },
      },
    });
    expect(lines).toEqual([
      "score 60.00 %: 3 of 5 mutants detected (6 in all)",
      "",
      "models/a.ts: 2",
      '  1:11 Survived StringLiteral: "x" -> "z"',
      '  2:11 NoCoverage StringLiteral: "yy" -> ""',
    ]);
  });
});
