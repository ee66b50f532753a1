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

describe("durations as the provider reads a Swarm service's back (kreuzwerker v4.5.0 shortDur)", () => {
  it.each([
    [0, "0s"],
    [10, "10s"],
    [60, "1m"],
    [90, "1m30s"],
    [120, "2m"],
    [3600, "1h"],
    [3660, "1h1m"],
    [3605, "1h0m5s"],
    [36000, "10h"],
    [36600, "10h10m"],
  ])("%i s reads back as %s", (seconds, text) => {
    expect(m.shortDuration(seconds)).toBe(text);
  });
  it("parses back to the same seconds, and never ends in the zeros shortDur strips", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 86400 }), (seconds) => {
        const text = m.shortDuration(seconds);
        expect(m.parseDuration(text)).toBe(seconds);
        expect(/[0-9]m0s$|[0-9]h0m$/.test(text)).toBe(false);
      }),
    );
  });
});
