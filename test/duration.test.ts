import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { freshModules } from "./harness";

// Imported afresh before the tests (test/harness.ts freshModules): a mutation run's mutant is in them.
const m = freshModules(async () => ({ ...(await import("../models/duration")) }));

describe("durations in Go's canonical form", () => {
  it.each([
    [0, "0s"],
    [5, "5s"],
    [30, "30s"],
    [60, "1m0s"],
    [90, "1m30s"],
    [3600, "1h0m0s"],
    [3725, "1h2m5s"],
  ])("%i s prints as %s, as Docker reports it", (seconds, text) => {
    expect(m.formatDuration(seconds)).toBe(text);
  });
  it.each([
    ["2m", 120],
    ["1h", 3600],
    ["1m30s", 90],
    ["90s", 90],
  ])("reads %s as %i s", (text, seconds) => expect(m.parseDuration(text)).toBe(seconds));
  it.each(["", "30", "1.5s", "30ms", "s", "1s1m", "-5s", " 5s"])("rejects %j", (text) => {
    expect(m.durationProblem(text)).toBeDefined();
    expect(() => m.parseDuration(text)).toThrow();
  });
  it("says why", () => {
    expect(() => m.parseDuration("30")).toThrow('"30" is not a duration in whole seconds like 30s, 1m30s or 2h');
    expect(() => m.formatDuration(-1)).toThrow("-1 is not a whole number of seconds");
    expect(() => m.formatDuration(1.5)).toThrow("1.5 is not a whole number of seconds");
  });
  it("parse(format(s)) == s for every whole number of seconds", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10 ** 7 }), (s) => m.parseDuration(m.formatDuration(s)) === s));
  });
});
