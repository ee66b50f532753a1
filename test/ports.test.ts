import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { addressOnHost, bindingProblem, bindingsClash, formatBinding, isEveryInterface, isLoopback, isPublic, parseBinding } from "../models/ports";

describe("host bindings ([ip:]port, as ROBOTOFF_EXPOSE and POSTGRES_EXPOSE)", () => {
  it("reads 127.0.0.1:5500 (dev .env ROBOTOFF_EXPOSE) as loopback port 5500", () => {
    expect(parseBinding("127.0.0.1:5500")).toEqual({ ip: "127.0.0.1", port: 5500 });
  });
  it("reads 5500 (compose default) as every interface", () => {
    expect(parseBinding("5500")).toStrictEqual({ port: 5500 });
    expect(parseBinding("65535")).toStrictEqual({ port: 65535 });
  });
  it("says what a binding looks like, and what it was given", () => {
    expect(bindingProblem("five")).toBe("[ip:]port, e.g. 127.0.0.1:5500 or 5500");
    expect(bindingProblem("10.0.0.1:65536")).toBe("a port from 1 to 65535");
    expect(bindingProblem("5500x")).toBe("[ip:]port, e.g. 127.0.0.1:5500 or 5500");
    expect(() => parseBinding("five")).toThrow('"five" is not [ip:]port, e.g. 127.0.0.1:5500 or 5500');
    expect(bindingProblem("foo 5500")).toBeDefined();
    expect(bindingProblem("5500abc")).toBeDefined();
  });
  it.each(["", ":5500", "5500:5500", "localhost:5500", "127.0.0.1:", "127.0.0.1:0", "70000", "256.0.0.1:80", "5500/tcp", "-1"])("rejects %j", (text) => {
    expect(bindingProblem(text)).toBeDefined();
    expect(() => parseBinding(text)).toThrow();
  });
  it("parse(format(b)) == b for any IPv4 address and port", () => {
    const ip = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join("."));
    fc.assert(
      fc.property(fc.option(ip, { nil: undefined }), fc.integer({ min: 1, max: 65535 }), (addr, port) => {
        const binding = addr === undefined ? { port } : { ip: addr, port };
        expect(parseBinding(formatBinding(binding))).toEqual(binding);
      }),
    );
  });
  it("calls loopback private and every interface or another address public", () => {
    expect(isPublic({ ip: "127.0.0.1", port: 1 })).toBe(false);
    expect(isPublic({ port: 1 })).toBe(true);
    expect(isPublic({ ip: "10.0.0.2", port: 1 })).toBe(true);
    expect(isPublic({ ip: "0.0.0.0", port: 1 })).toBe(true);
  });
  it("knows the addresses Docker prints for every interface and for loopback", () => {
    expect(["0.0.0.0", "::", "[::]", undefined].every(isEveryInterface)).toBe(true);
    expect(["127.0.0.1", "::1", "10.0.0.2", "::2"].some(isEveryInterface)).toBe(false);
    expect(["127.0.0.1", "127.1.2.3", "::1", "[::1]"].every(isLoopback)).toBe(true);
    expect(["0.0.0.0", "::", "10.0.0.2", "128.0.0.1", undefined].some(isLoopback)).toBe(false);
  });
  it("reaches every interface through loopback, and another address at itself", () => {
    expect(addressOnHost({ port: 5500 })).toBe("127.0.0.1");
    expect(addressOnHost({ ip: "0.0.0.0", port: 5500 })).toBe("127.0.0.1");
    expect(addressOnHost({ ip: "10.0.0.2", port: 5500 })).toBe("10.0.0.2");
  });
  it.each([
    [{ port: 8500 }, { ip: "127.0.0.1", port: 8500 }, true],
    [{ ip: "0.0.0.0", port: 8500 }, { ip: "127.0.0.1", port: 8500 }, true],
    [{ ip: "::", port: 8500 }, { ip: "127.0.0.1", port: 8500 }, true],
    [{ ip: "127.0.0.1", port: 8500 }, { ip: "127.0.0.1", port: 8500 }, true],
    [{ ip: "127.0.0.1", port: 8500 }, { ip: "127.0.0.2", port: 8500 }, false],
    [{ port: 8500 }, { port: 8501 }, false],
  ])("%j and %j clash: %s", (a, b, clash) => {
    expect(bindingsClash(a, b)).toBe(clash);
    expect(bindingsClash(b, a)).toBe(clash);
  });
});
