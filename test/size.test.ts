import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { formatMb, sizeProblem, sizeToMb } from "../models/size";

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
    expect(sizeToMb(text)).toBe(mb);
  });

  it.each(["2gb", "-1g", "0", "0g", "2", "2G ", "1.5g", "g", "", "2 g", "2t", "01g", "1000k", "1b"])("rejects %j", (text) => {
    expect(sizeProblem(text)).toBeDefined();
    expect(() => sizeToMb(text)).toThrow(`"${text}" is not`);
  });

  it("formats whole gibibytes as g and the rest as m", () => {
    expect(formatMb(2048)).toBe("2g");
    expect(formatMb(1536)).toBe("1536m");
    expect(() => formatMb(0)).toThrow();
    expect(() => formatMb(1.5)).toThrow();
  });

  it("parse(format(mb)) == mb for every positive MB count", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 32 }), (mb) => sizeToMb(formatMb(mb)) === mb));
  });

  it("agrees with the unit arithmetic for any amount and unit", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.constantFrom("k", "m", "g"), (n, unit) => {
        const bytes = n * { k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[unit];
        const text = `${n}${unit}`;
        if (bytes % 1024 ** 2 === 0) return sizeToMb(text) === bytes / 1024 ** 2;
        return sizeProblem(text) !== undefined;
      }),
    );
  });
});
