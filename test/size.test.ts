import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { freshModules } from "./harness";

// Imported afresh before the tests (test/harness.ts freshModules): a mutation run's mutant is in them.
const m = freshModules(async () => ({ ...(await import("../models/size")) }));

describe("compose sizes -> provider MB", () => {
  it.each([
    ["2g", 2048], // api and elasticsearch mem_limit
    ["8g", 8192], // workers
    ["4g", 4096], // scheduler, postgres
    ["10g", 10240], // tf_serving
    ["1g", 1024], // postgres shm_size
    ["512m", 512],
    ["1024k", 1],
    ["1048576b", 1],
  ])("%s is %i MB", (text, mb) => {
    expect(m.sizeToMb(text)).toBe(mb);
  });

  it.each(["2gb", "-1g", "0", "0g", "2", "2G ", "1.5g", "g", "", "2 g", "2t", "01g", "1000k", "1b"])("rejects %j", (text) => {
    expect(m.sizeProblem(text)).toBeDefined();
    expect(() => m.sizeToMb(text)).toThrow(`"${text}" is not`);
  });

  it("says why a size is refused", () => {
    expect(m.sizeProblem("9999999999g")).toBe("a size below 8 PiB");
    expect(m.sizeProblem("1000k")).toBe("a whole number of mebibytes (Docker limits are set in MB here)");
    expect(() => m.sizeToMb("2gb")).toThrow('"2gb" is not a compose size: a whole number followed by b, k, m or g (e.g. 512m, 2g)');
  });
  it("formats whole gibibytes as g and the rest as m", () => {
    expect(m.formatMb(2048)).toBe("2g");
    expect(m.formatMb(1536)).toBe("1536m");
    expect(() => m.formatMb(0)).toThrow("0 is not a positive whole number of MB");
    expect(() => m.formatMb(1.5)).toThrow("1.5 is not a positive whole number of MB");
  });

  it("parse(format(mb)) == mb for every positive MB count", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 32 }), (mb) => m.sizeToMb(m.formatMb(mb)) === mb));
  });

  it("agrees with the unit arithmetic for any amount and unit", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.constantFrom("k", "m", "g"), (n, unit) => {
        const bytes = n * { k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[unit];
        const text = `${n}${unit}`;
        if (bytes % 1024 ** 2 === 0) return m.sizeToMb(text) === bytes / 1024 ** 2;
        return m.sizeProblem(text) !== undefined;
      }),
    );
  });
});
