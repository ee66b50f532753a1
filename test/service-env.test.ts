/** KEY=value lines from a spec's environment, secrets included (services/containers/service.ts). */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { containerEnvs } from "../services/containers/service";

const resolve = <T>(o: pulumi.Output<T>) => new Promise<T>((r) => o.apply((v) => r(v)));

describe("containerEnvs", () => {
  const secrets = { postgresPassword: pulumi.secret("p@ss:w/rd") };
  it("URI-encodes a secret inside a DSN, between its plain prefix and suffix", async () => {
    const envs = containerEnvs(
      { DATA_SOURCE_NAME: { secret: "postgresPassword", prefix: "postgresql://postgres:", suffix: "@postgres:5432/postgres", uriEncode: true } },
      secrets,
    );
    expect(await resolve(envs)).toEqual(["DATA_SOURCE_NAME=postgresql://postgres:p%40ss%3Aw%2Frd@postgres:5432/postgres"]);
    expect(await pulumi.isSecret(envs)).toBe(true);
  });
  it("passes a plain secret as is, and a list without secrets stays plain", async () => {
    expect(await resolve(containerEnvs({ POSTGRES_PASSWORD: { secret: "postgresPassword" } }, secrets))).toEqual(["POSTGRES_PASSWORD=p@ss:w/rd"]);
    const plain = containerEnvs({ A: "1", B: "" }, secrets);
    expect(await resolve(plain)).toEqual(["A=1", "B="]);
    expect(await pulumi.isSecret(plain)).toBe(false);
  });
  it("refuses a secret the stack did not resolve", () => {
    expect(() => containerEnvs({ SLACK_TOKEN: { secret: "slackToken" } }, secrets)).toThrow(/SLACK_TOKEN needs secret slackToken/);
  });
});
