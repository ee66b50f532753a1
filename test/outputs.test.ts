/**
 * index.ts exports the same outputs whichever robotoff:target builds the stack (services/target.ts): each target
 * names what runs its services under its own key, and leaves the other target's key undefined.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderStack } from "./harness";

const SWARM = join(__dirname, "fixtures/Pulumi.staging-swarm.yaml");
/** Every target's outputs; an output left undefined is not a stack output at all. */
const COMMON = ["apiUrl", "images", "networkName", "postgresPassword"];

describe("containers target (dev)", () => {
  it("exports the common outputs and containers, not swarmServices", async () => {
    const { outputs } = await renderStack("dev-2022");
    expect(Object.keys(outputs).sort()).toEqual([...COMMON, "containers"].sort());
    expect(outputs.networkName).toBe("webnet");
  });
  it("names each compose service's container (container_name: robotoff-<service>)", async () => {
    const { outputs } = await renderStack("dev-2022");
    expect(outputs.containers).toEqual({
      api: "robotoff-api",
      elasticsearch: "robotoff-elasticsearch",
      postgres: "robotoff-postgres",
      scheduler: "robotoff-scheduler",
      tf_serving: "robotoff-tf_serving",
      workers: "robotoff-workers",
    });
  });
});

describe("swarm target (test/fixtures/Pulumi.staging-swarm.yaml)", () => {
  it("exports the common outputs and swarmServices, not containers", async () => {
    const { outputs } = await renderStack("staging-2022", SWARM);
    expect(Object.keys(outputs).sort()).toEqual([...COMMON, "swarmServices"].sort());
    expect(outputs.networkName).toBe("webnet");
    expect(outputs.apiUrl).toBe("http://127.0.0.1:5500/api/v1/health");
  });
  it("names each compose service's Swarm service, as its container would be named", async () => {
    const { outputs } = await renderStack("staging-2022", SWARM);
    const services = outputs.swarmServices as Record<string, string>;
    expect(Object.keys(services).sort()).toEqual([
      "api",
      "elasticsearch",
      "postgres",
      "postgres_backup",
      "postgres_exporter",
      "scheduler",
      "statsd",
      "tf_serving",
      "workers",
    ]);
    for (const [service, name] of Object.entries(services)) expect(name).toBe(`robotoff-${service}`);
  });
});
