/**
 * The compose facts of every service, asserted one by one on what the program registers for a
 * shipped stack file. Used by dev.stack.test.ts and prod.stack.test.ts (one program import per file).
 */
import { describe, expect, it } from "vitest";
import type { Rendered } from "../tools/render/offline";
import { generatedPlaceholder } from "../tools/render/offline";
import { securePlaceholder } from "../tools/shared/stack-file";
import { DEV_IMAGE_BUILD, NETWORK_NAME, REFERENCE, SECRET, VOLUME_NAMES, type ReferenceService } from "./fixtures/reference";
import { CONTAINER, IMAGE, NETWORK, VOLUME, containerOf, containersOfService, envOf, keyOf, ofType, renderStack, beforeAllTests } from "./harness";
import { HAPROXY_CONFIG_PATH } from "../models/api-proxy";

const SECRET_KEY_OF: Record<string, string> = {
  POSTGRES_PASSWORD: "postgresPassword",
  PGPASSWORD: "postgresPassword", // postgres_backup's pg_dump
  IPC_AUTHKEY: "ipcAuthkey",
  MONGO_URI: "mongoUri",
  OFF_PASSWORD: "offPassword",
  INFLUXDB_PASSWORD: "influxdbPassword",
  SENTRY_DSN: "sentryDsn",
  SLACK_TOKEN: "slackToken",
  // 2026-06
  ELASTIC_PASSWORD: "elasticPassword",
  INFLUXDB_AUTH_TOKEN: "influxdbAuthToken",
  GOOGLE_CREDENTIALS: "googleCredentials",
  BATCH_JOB_KEY: "batchJobKey",
  AUTH_BEARER_TOKEN_NUTRIPATROL: "nutripatrolToken",
};

/** What the facts of one stack are checked against: its reference topology and what the stack file chose. */
export interface StackFacts {
  /** The stack file, when it is not the project's Pulumi.<stack>.yaml (a fixture). */
  readonly file?: string;
  readonly reference: Readonly<Record<string, ReferenceService>>;
  /** robotoff:app.api.release rolling: two copies behind api_proxy. */
  readonly rolling: boolean;
  /** The plaintext the stack file gives mongoUri (dev), read as a secret; unset: a secure value. */
  readonly plainMongoUri?: string;
  /** postgres_exporter's DSN around the password: `postgresql://postgres:` + password + this. */
  readonly dsnSuffix: string;
  /** The secrets dev generates (RandomPassword), sorted. */
  readonly generated: readonly string[];
  readonly networkName: string;
  /** The named volumes, as Docker names them. */
  readonly volumeNames: readonly string[];
  /** docker/dev.yml's build of the app image and the files that trigger a rebuild; none: every image is pulled. */
  readonly devBuild?: { readonly name: string; readonly build: Record<string, unknown>; readonly triggers: Record<string, string> };
}

/** prod releases the api rolling (Pulumi.prod-2022.yaml, robotoff:app.api.release): two copies behind api_proxy; dev as compose. */
export const FACTS_2022: Readonly<Record<"dev" | "prod", StackFacts>> = {
  dev: {
    reference: REFERENCE.dev,
    rolling: false,
    plainMongoUri: "mongodb://mongodb.po_default:27017",
    dsnSuffix: "@postgres:5432/postgres?sslmode=disable",
    generated: ["robotoff-ipcAuthkey", "robotoff-postgresPassword"],
    networkName: NETWORK_NAME,
    volumeNames: Object.values(VOLUME_NAMES),
    devBuild: {
      ...DEV_IMAGE_BUILD,
      triggers: { Dockerfile: "absent", "pyproject.toml": "absent", "poetry.lock": "absent", "poetry.toml": "absent" },
    },
  },
  prod: {
    reference: REFERENCE.prod,
    rolling: true,
    dsnSuffix: "@postgres:5432/postgres?sslmode=disable",
    generated: [],
    networkName: NETWORK_NAME,
    volumeNames: Object.values(VOLUME_NAMES),
  },
};

/** The healthcheck's budget of the api's copies: 1m start period, then 4 checks of 30 s + 5 s. */
const API_COPY_WAIT = 60 + (30 + 5) * 4;

export function describeStackFacts(stack: string, facts: StackFacts = FACTS_2022[stack.replace(/-2022$/, "") as "dev" | "prod"]): void {
  const { reference, rolling } = facts;
  const services = Object.keys(reference);
  const copiesOf = (service: string) => (rolling && service === "api" ? 2 : 1);
  /** The one value each secret variable must carry, wherever it appears. */
  const secretValue = (variable: string): string => {
    if (variable === "DATA_SOURCE_NAME") return `postgresql://postgres:${encodeURIComponent(securePlaceholder("robotoff:postgresPassword"))}${facts.dsnSuffix}`;
    const key = SECRET_KEY_OF[variable];
    if (key === "mongoUri" && facts.plainMongoUri) return facts.plainMongoUri; // plaintext in the stack file, read as a secret
    if (facts.generated.includes(`robotoff-${key}`)) return generatedPlaceholder(`robotoff-${key}`); // dev: RandomPassword
    return securePlaceholder(`robotoff:${key}`);
  };
  let r: Rendered;
  beforeAllTests(async () => {
    r = await renderStack(stack, facts.file);
  });

  describe(`${stack}: stack-wide resources`, () => {
    it(`runs exactly the ${services.length} compose services, one container each${rolling ? ", the api as two copies behind api_proxy" : ""}`, () => {
      const aliases = ofType(r, CONTAINER).map((c) => (c.inputs.networksAdvanced as any[])[0].aliases[0]);
      expect(aliases.sort()).toEqual([...services, ...(rolling ? ["api", "api_proxy"] : [])].sort());
    });
    it(facts.generated.length ? `generates ${facts.generated.join(" and ")}, 32 letters and digits each` : "generates no secret", () => {
      const generated = r.resources.filter((x) => x.type === "random:index/randomPassword:RandomPassword");
      expect(generated.map((g) => [g.name, g.inputs.length, g.inputs.special]).sort()).toEqual(facts.generated.map((name) => [name, 32, false]));
    });
    it(`creates the ${facts.networkName} network`, () => {
      expect(
        ofType(r, NETWORK)
          .filter((n) => n.id === undefined)
          .map((n) => n.inputs.name),
      ).toEqual([facts.networkName]);
    });
    it(`declares the named volumes ${facts.volumeNames.join(", ")}`, () => {
      // Created by name, or read by name where they are external (docker/prod.yml).
      const names = ofType(r, VOLUME).map((v) => v.id ?? v.inputs.name);
      expect(names.sort()).toEqual([...facts.volumeNames].sort());
    });
    it("has one RemoteImage per distinct image, kept locally", () => {
      const images = ofType(r, IMAGE);
      const wanted = [...new Set([...Object.values(reference).map((s) => s.image), ...(rolling ? ["haproxy:2.6"] : [])])].sort();
      expect(images.map((i) => i.inputs.name).sort()).toEqual(wanted);
      for (const image of images) expect(image.inputs.keepLocally).toBe(true);
    });
    const dev = facts.devBuild;
    it(dev ? "builds the app image from the checkout (docker/dev.yml)" : "builds no image: every one is pulled", () => {
      const built = ofType(r, IMAGE).filter((i) => i.inputs.build !== undefined);
      // docker/dev.yml's build, and the builder the stack names (the provider's ImageBuild on its own Engine, not buildx's default).
      const named = dev && { name: dev.name, build: { ...dev.build, useLegacyBuilder: true } };
      expect(built.map((i) => ({ name: i.inputs.name, build: i.inputs.build }))).toEqual(named ? [named] : []);
      // The checkout is absent here: each build input reads "absent", and any change to one rebuilds the image.
      expect(built.map((i) => i.inputs.triggers)).toEqual(dev ? [dev.triggers] : []);
    });
    it("reads no network: Product Opener's (dev) is joined by name, so a preview without it does not fail", () => {
      expect(ofType(r, NETWORK).filter((n) => n.id !== undefined)).toEqual([]);
    });
    it("builds each container inside a robotoff:docker:Service component", () => {
      for (const c of ofType(r, CONTAINER)) expect(c.parent).toMatch(/^robotoff:docker:Service::/);
    });
  });

  for (const service of services) {
    const ref = reference[service as keyof typeof reference];
    const copies = copiesOf(service);
    describe(`${stack}: ${service}${copies > 1 ? `, each of its ${copies} copies` : ""}`, () => {
      /** Checks a fact on each of the service's containers (one, or each copy). */
      const each = (fact: (c: ReturnType<typeof containerOf>, n: number) => void) => {
        const found = containersOfService(r, service);
        expect(found).toHaveLength(copies);
        found.forEach((c, i) => fact(c, i + 1));
      };

      it(`runs image ${ref.image}`, () => {
        each((c) => expect(c.inputs.image).toBe(ref.image));
      });
      it("has the compose entrypoint and command, split into arguments", () => {
        each((c) => {
          expect(c.inputs.entrypoints).toEqual(ref.entrypoints);
          expect(c.inputs.command).toEqual(ref.command);
        });
      });
      it(
        ref.tmpfs
          ? "gets its files on a tmpfs, with a read-only root filesystem"
          : ref.uploads
            ? "gets its files copied in at create"
            : "gets no file written in",
        () => {
          // The provider copies uploads to `/`, which the Engine refuses on a read-only root filesystem.
          each((c) => {
            expect(c.inputs.uploads).toEqual(ref.uploads);
            expect(c.inputs.tmpfs).toEqual(ref.tmpfs);
            expect(c.inputs.readOnly).toBe(ref.readOnly);
          });
        },
      );
      it("has every compose environment variable, with its value, and no other", () => {
        each((c) => {
          const { vars } = envOf(c);
          expect(Object.keys(vars).sort()).toEqual(Object.keys(ref.env).sort());
          for (const [name, value] of Object.entries(ref.env)) {
            expect(vars[name], name).toBe(value === SECRET ? secretValue(name) : value);
          }
        });
      });
      it("registers its environment as a secret exactly when it holds one", () => {
        each((c) => expect(envOf(c).secret).toBe(Object.values(ref.env).includes(SECRET)));
      });
      if (copies > 1) {
        it("publishes no port: api_proxy holds the compose ports", () => {
          each((c) => expect(c.inputs.ports ?? []).toEqual([]));
          expect(containerOf(r, "api_proxy").inputs.ports).toEqual(ref.ports);
        });
      } else {
        it("publishes the compose ports with their host ip", () => {
          each((c) => expect(c.inputs.ports ?? []).toEqual(ref.ports));
        });
      }
      it("mounts the compose bind mounts from absolute host paths, read-write", () => {
        each((c) => {
          const binds = ((c.inputs.volumes ?? []) as any[]).filter((v) => v.hostPath !== undefined);
          expect(binds).toEqual(ref.binds.map((b) => ({ ...b, readOnly: false })));
          for (const b of binds) expect(b.hostPath.startsWith("/")).toBe(true);
        });
      });
      it("mounts the compose named volumes", () => {
        each((c) => {
          const named = ((c.inputs.volumes ?? []) as any[]).filter((v) => v.volumeName !== undefined);
          expect(named).toEqual(ref.namedVolumes.map((v) => ({ volumeName: v.volume, containerPath: v.containerPath })));
        });
      });
      it(`has mem_limit ${ref.memoryMb} MB${ref.shmSizeMb ? ` and shm_size ${ref.shmSizeMb} MB` : ""}`, () => {
        each((c) => {
          expect(c.inputs.memory).toBe(ref.memoryMb);
          expect(c.inputs.shmSize).toBe(ref.shmSizeMb);
        });
      });
      it("states Docker's own swap allowance (twice mem_limit), so that a raised limit updates in place", () => {
        each((c) => expect(c.inputs.memorySwap).toBe(2 * ref.memoryMb));
      });
      it("has the compose ulimits", () => {
        each((c) => expect(c.inputs.ulimits ?? []).toEqual(ref.ulimits));
      });
      it(`restarts "${ref.restart}" (RESTART_POLICY)`, () => {
        each((c) => expect(c.inputs.restart).toBe(ref.restart));
      });
      it("has the compose extra_hosts", () => {
        each((c) => expect(c.inputs.hosts ?? []).toEqual(ref.extraHosts));
      });
      it(`joins ${ref.networks.join(" and ")} with the DNS alias ${service}`, () => {
        each((c) => expect(c.inputs.networksAdvanced).toEqual(ref.networks.map((name) => ({ name, aliases: [service] }))));
      });
      const deps = (c: ReturnType<typeof containerOf>) =>
        c.options.dependsOn.map((d) => {
          const dep = r.resources.find((x) => keyOf(x) === d)!;
          return (dep.inputs.networksAdvanced as any[])[0].aliases[0] as string;
        });
      it(`depends on ${ref.dependsOn.join(", ") || "no container"}${copies > 1 ? " and on the copy before it" : ""}, no more`, () => {
        each((c, n) => expect(deps(c).sort()).toEqual([...ref.dependsOn, ...(n > 1 ? [service] : [])].sort()));
      });
      it("keeps every compose depends_on edge", () => {
        each((c) => {
          for (const d of ref.composeDependsOn) expect(deps(c)).toContain(d);
        });
      });
      it(ref.healthcheck ? "has a healthcheck the image can run, in canonical durations" : "has no healthcheck", () => {
        each((c) => {
          expect(c.inputs.healthcheck).toEqual(ref.healthcheck);
          expect(c.options.replaceOnChanges).toEqual(ref.healthcheck ? ["healthcheck", "#initerror"] : ["#initerror"]);
        });
      });
      const wait = copies > 1 ? API_COPY_WAIT : ref.waitTimeout;
      it(
        wait ? `makes a create wait up to ${wait} s for health${copies > 1 ? " (a copy, before the next one is replaced)" : ""}` : "does not wait for health",
        () => {
          each((c) => {
            expect(c.inputs.wait).toBe(wait ? true : undefined);
            expect(c.inputs.waitTimeout).toBe(wait);
          });
        },
      );
      it(ref.oneOff ? "runs once: its create waits for its exit and keeps its log, a refresh leaves it exited" : "runs until stopped", () => {
        each((c) => {
          const lifecycle = { attach: c.inputs.attach, logs: c.inputs.logs, mustRun: c.inputs.mustRun };
          expect(lifecycle).toEqual(ref.oneOff ? { attach: true, logs: true, mustRun: false } : { attach: undefined, logs: undefined, mustRun: undefined });
          expect(r.secretOutputs.get(keyOf(c)) ?? []).toEqual([...(envOf(c).secret ? ["envs"] : []), ...(ref.oneOff ? ["containerLogs"] : [])]);
        });
      });
      it("is deleted before it is replaced (fixed name, host ports)", () => {
        each((c, n) => {
          expect(c.inputs.name).toBe(copies > 1 ? `robotoff-${service}-${n}` : `robotoff-${service}`);
          expect(c.options.deleteBeforeReplace).toBe(true);
        });
      });
    });
  }

  if (rolling) {
    describe(`${stack}: api_proxy (robotoff:app.api.release rolling)`, () => {
      const proxy = () => containerOf(r, "api_proxy");
      it("runs haproxy:2.6, the command of the official image, on a read-only root with its config written to a tmpfs", () => {
        expect(proxy().inputs.image).toBe("haproxy:2.6");
        expect(proxy().inputs.entrypoints).toEqual([
          "/bin/sh",
          "-c",
          `printf '%s' "$ROBOTOFF_FILE_0" > '${HAPROXY_CONFIG_PATH}' && exec "$0" "$@"`,
          "haproxy",
          "-W",
          "-db",
          "-f",
          HAPROXY_CONFIG_PATH,
        ]);
        expect(proxy().inputs.readOnly).toBe(true);
        expect(proxy().inputs.tmpfs).toEqual({ "/etc/robotoff-haproxy": "rw,noexec,nosuid,size=1m" });
      });
      it("sends requests to the two copies by container name, checking /api/v1/health on each", () => {
        const config = envOf(proxy()).vars.ROBOTOFF_FILE_0;
        expect(config).toContain("  server robotoff-api-1 robotoff-api-1:5500\n  server robotoff-api-2 robotoff-api-2:5500\n");
        expect(config).toContain("  option httpchk GET /api/v1/health\n");
        expect(config).toContain("  bind :5500\n");
      });
      it("starts after both copies, restarts as the others do, and is deleted before it is replaced (it holds the port)", () => {
        expect(
          proxy()
            .options.dependsOn.map((d) => r.resources.find((x) => keyOf(x) === d)!.inputs.name)
            .sort(),
        ).toEqual(["robotoff-api-1", "robotoff-api-2"]);
        expect(proxy().inputs.restart).toBe(reference.api.restart);
        expect(proxy().inputs.name).toBe("robotoff-api_proxy");
        expect(proxy().options.deleteBeforeReplace).toBe(true);
      });
      it("has robotoff:app.api.proxy.memory's default, 256 MB, and no healthcheck", () => {
        expect(proxy().inputs.memory).toBe(256);
        expect(proxy().inputs.healthcheck).toBeUndefined();
      });
    });
  }
}
