// The app's environment (models/app-env.ts): each variable carries the value of the config key it names,
// the key a config error tells the operator to set instead (validate.ts, "comes from").
import { describe, expect, it } from "vitest";
import type { StackConfig } from "../models/config";
import { freshModules } from "./harness";

const m = freshModules(async () => ({ ...(await import("../models/app-env")), ...(await import("../models/validate")) }));

const defaults = (): StackConfig => m.parseStackConfig({ "robotoff:environment": "dev", "robotoff:hostRoot": "/srv/robotoff" }, "dev-2022") as StackConfig;

/** `cfg` with the value at a key path (`app.influxdb.host`) replaced. */
function withValue(cfg: StackConfig, key: string, value: unknown): StackConfig {
  const copy = structuredClone(cfg) as any;
  const path = key.split(".");
  let at = copy;
  for (const step of path.slice(0, -1)) at = at[step];
  at[path[path.length - 1]] = value;
  return copy;
}

describe("the app's environment", () => {
  // The variables whose value is their key's value as it is (the others: below).
  const direct = [
    ["ROBOTOFF_INSTANCE", "app.instance"],
    ["ROBOTOFF_DOMAIN", "app.domain"],
    ["ROBOTOFF_SCHEME", "app.scheme"],
    ["STATIC_OFF_DOMAIN", "app.staticOffDomain"],
    ["GUNICORN_NUM_WORKERS", "app.gunicornNumWorkers"],
    ["IPC_PORT", "app.ipcPort"],
    ["WORKER_COUNT", "app.workerCount"],
    ["ROBOTOFF_UPDATED_PRODUCT_WAIT", "app.updatedProductWait"],
    ["POSTGRES_DB", "postgres.db"],
    ["POSTGRES_USER", "postgres.user"],
    ["OFF_USER", "app.offUser"],
    ["INFLUXDB_HOST", "app.influxdb.host"],
    ["INFLUXDB_PORT", "app.influxdb.port"],
    ["INFLUXDB_DB_NAME", "app.influxdb.dbName"],
    ["INFLUXDB_USERNAME", "app.influxdb.username"],
  ] as const;

  it.each(direct)("%s carries %s, and names it", (variable, key) => {
    const env = m.appEnvValues(withValue(defaults(), key, "marker-value"), new Set());
    expect(env[variable]).toBe("marker-value");
    expect(m.managedBy(variable)).toBe(key);
  });

  it("names its keys for every variable it sets, and no other", () => {
    const keyed = Object.keys(m.APP_ENV).filter(
      (v) => !["IPC_AUTHKEY", "POSTGRES_PASSWORD", "MONGO_URI", "OFF_PASSWORD", "INFLUXDB_PASSWORD", "SLACK_TOKEN", "SENTRY_DSN"].includes(v),
    );
    expect(keyed.sort()).toEqual([...direct.map(([v]) => v), "IPC_HOST", "POSTGRES_HOST", "ELASTICSEARCH_HOSTS", "TF_SERVING_HOST"].sort());
    expect(m.managedBy("FREE_VARIABLE")).toBeUndefined();
  });

  it("the data services' names follow app.networkQualifiedHosts", () => {
    const qualified = m.appEnvValues(withValue(defaults(), "app.networkQualifiedHosts", true), new Set());
    expect([qualified.POSTGRES_HOST, qualified.ELASTICSEARCH_HOSTS]).toEqual(["postgres.webnet", "elasticsearch.webnet"]);
    const plain = m.appEnvValues(withValue(defaults(), "app.networkQualifiedHosts", false), new Set());
    expect([plain.POSTGRES_HOST, plain.ELASTICSEARCH_HOSTS]).toEqual(["postgres", "elasticsearch"]);
    expect([m.managedBy("POSTGRES_HOST"), m.managedBy("ELASTICSEARCH_HOSTS")]).toEqual(["app.networkQualifiedHosts", "app.networkQualifiedHosts"]);
  });

  it("TF_SERVING_HOST only with app.setTfServingHost", () => {
    expect(m.appEnvValues(withValue(defaults(), "app.setTfServingHost", true), new Set()).TF_SERVING_HOST).toBe("tf_serving");
    expect(m.appEnvValues(withValue(defaults(), "app.setTfServingHost", false), new Set()).TF_SERVING_HOST).toBeUndefined();
    expect(m.managedBy("TF_SERVING_HOST")).toBe("app.setTfServingHost");
  });

  it("the api reaches the workers by their DNS name, a fixed value", () => {
    expect(m.appEnvValues(defaults(), new Set()).IPC_HOST).toBe("workers");
    expect(m.managedBy("IPC_HOST")).toBe("(fixed: the workers' DNS name)");
    expect(m.managedBy("REAL_TIME_IMAGE_PREDICTION")).toBe("(fixed by docker-compose.yml for the workers)");
  });

  it("a secret's variable names the secret, and is left out while the secret has no value", () => {
    expect(m.appEnvValues(defaults(), new Set(["slackToken"])).SLACK_TOKEN).toEqual({ secret: "slackToken" });
    expect(m.appEnvValues(defaults(), new Set()).SLACK_TOKEN).toBeUndefined();
    expect(m.managedBy("SLACK_TOKEN")).toBe("slackToken");
  });
});
