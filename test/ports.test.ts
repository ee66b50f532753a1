import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { bindingProblem, formatBinding, isPublic, parseBinding } from "../models/ports";

describe("host bindings ([ip:]port, as ROBOTOFF_EXPOSE and POSTGRES_EXPOSE)", () => {
  it("reads 127.0.0.1:5500 (dev .env ROBOTOFF_EXPOSE) as loopback port 5500", () => {
    expect(parseBinding("127.0.0.1:5500")).toEqual({ ip: "127.0.0.1", port: 5500 });
  });
  it("reads 5500 (compose default) as every interface", () => {
    expect(parseBinding("5500")).toEqual({ port: 5500 });
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
  });
});
