import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { durationProblem, formatDuration, parseDuration } from "../models/duration";

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
    expect(formatDuration(seconds)).toBe(text);
  });
  it.each([
    ["2m", 120],
    ["1h", 3600],
    ["1m30s", 90],
    ["90s", 90],
  ])("reads %s as %i s", (text, seconds) => expect(parseDuration(text)).toBe(seconds));
  it.each(["", "30", "1.5s", "30ms", "s", "1s1m", "-5s", " 5s"])("rejects %j", (text) => {
    expect(durationProblem(text)).toBeDefined();
    expect(() => parseDuration(text)).toThrow();
  });
  it("parse(format(s)) == s for every whole number of seconds", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10 ** 7 }), (s) => parseDuration(formatDuration(s)) === s));
  });
});
