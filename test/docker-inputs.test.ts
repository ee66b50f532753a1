import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { containerPorts, fileDelivery, memorySwapMb } from "../services/docker-inputs";

describe("containerPorts", () => {
  it("publishes an every-interface binding on 0.0.0.0 and [::], as compose's 5500:5500 does", () => {
    expect(containerPorts([{ port: 5500, containerPort: 5500, protocol: "tcp", configKey: "app.api.expose.http" }])).toEqual([
      { internal: 5500, external: 5500, ip: "0.0.0.0", protocol: "tcp" },
      { internal: 5500, external: 5500, ip: "::", protocol: "tcp" },
    ]);
  });
  it("keeps a binding with an address as it is", () => {
    expect(containerPorts([{ ip: "127.0.0.1", port: 15432, containerPort: 5432, protocol: "tcp", configKey: "postgres.expose.postgres" }])).toEqual([
      { internal: 5432, external: 15432, ip: "127.0.0.1", protocol: "tcp" },
    ]);
  });
  it("always names the address, so the provider never falls back to its IPv4-only default", () => {
    const binding = fc.record({
      ip: fc.option(fc.ipV4(), { nil: undefined }),
      port: fc.integer({ min: 1, max: 65535 }),
      containerPort: fc.integer({ min: 1, max: 65535 }),
    });
    fc.assert(
      fc.property(fc.array(binding), (bindings) => {
        const ports = containerPorts(bindings.map((b) => ({ ...b, protocol: "tcp" as const, configKey: "k" })));
        expect(ports.every((p) => p.ip.length > 0)).toBe(true);
        expect(ports.length).toBe(bindings.reduce((n, b) => n + (b.ip === undefined ? 2 : 1), 0));
      }),
    );
  });
});

describe("memorySwapMb", () => {
  it("is Docker's default for a memory limit without a swap limit: twice the limit", () => {
    expect(memorySwapMb(2048)).toBe(4096);
    expect(memorySwapMb(256)).toBe(512);
  });
});

describe("fileDelivery", () => {
  const files = [{ containerPath: "/statsd/statsd.conf", content: "mappings: []\n" }];
  it("uploads the files of a container with a writable root", () => {
    expect(fileDelivery({ name: "statsd", files, readOnlyRootfs: false })).toEqual({
      uploads: [{ file: "/statsd/statsd.conf", content: "mappings: []\n" }],
    });
  });
  it("gives a read-only container its files through variables and a tmpfs over their folder, never uploads", () => {
    const d = fileDelivery({ name: "statsd", files, readOnlyRootfs: true, entrypoint: ["/bin/statsd_exporter"] });
    expect(d.uploads).toBeUndefined();
    expect(d.tmpfs).toEqual({ "/statsd": "rw,noexec,nosuid,size=1m" });
    expect(d.env).toEqual({ ROBOTOFF_FILE_0: "mappings: []\n" });
    expect(d.entrypoints?.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    expect(d.entrypoints?.slice(3)).toEqual(["/bin/statsd_exporter"]);
  });
  it("refuses a read-only container whose spec does not name the image's entrypoint", () => {
    expect(() => fileDelivery({ name: "statsd", files, readOnlyRootfs: true })).toThrow(/statsd: .*entrypoint/);
  });
  it("needs nothing for a container without files", () => {
    expect(fileDelivery({ name: "api", readOnlyRootfs: true })).toEqual({});
  });

  it("writes each file byte for byte with /bin/sh, then execs the entrypoint with the command's arguments", () => {
    const dir = mkdtempSync(join(tmpdir(), "robotoff-files-"));
    try {
      const tricky = "a: 'quoted' \"double\" $HOME `tick` \\back\n\nlast line without newline";
      const target = [
        { containerPath: join(dir, "it's.conf"), content: tricky },
        { containerPath: join(dir, "b.conf"), content: "" },
      ];
      const d = fileDelivery({ name: "statsd", files: target, readOnlyRootfs: true, entrypoint: ["/bin/echo", "ran"] });
      const [file, ...args] = [...d.entrypoints!, "--flag=1"];
      const out = execFileSync(file, args, { env: { ...d.env, PATH: "/usr/bin:/bin" }, encoding: "utf8" });
      expect(out).toBe("ran --flag=1\n");
      expect(readFileSync(target[0].containerPath, "utf8")).toBe(tricky);
      expect(readFileSync(target[1].containerPath, "utf8")).toBe("");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
