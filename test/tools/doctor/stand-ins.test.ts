import { describe, expect, it } from "vitest";
import { planStack } from "../../../models/stack-plan";
import { pulledImagesByHost, standInFindings } from "../../../tools/doctor/stand-ins";
import type { Probe } from "../../../tools/doctor/checks";

const json = (v: unknown) => JSON.stringify(v);
const twoHosts = planStack(
  {
    "robotoff:environment": "dev",
    "robotoff:hostRoot": "/srv/robotoff",
    "robotoff:dev": json({ enabled: true }),
    "robotoff:hosts": json({ ml: { url: "ssh://deploy@ml" } }),
    "robotoff:tfServing": json({ host: "ml", allowRemoteAccess: true, expose: { grpc: "8500", rest: "8501" } }),
    "robotoff:app": json({ setTfServingHost: true }),
  },
  "dev",
  new Set(),
  () => "",
).spec;

describe("doctor: stand-in images left by the engine tier", () => {
  it("looks, on each host, at the images pulled there (not the one dev builds)", () => {
    expect(pulledImagesByHost(twoHosts)).toEqual([
      { host: "local", url: undefined, references: ["postgres:11.2-alpine", "raphael0202/elasticsearch"] },
      { host: "ml", url: "ssh://deploy@ml", references: ["tensorflow/serving:2.4.0"] },
    ]);
  });
  it("fails on a labelled image, naming host, reference and the command that removes it; passes over absent ones", async () => {
    const answers: Record<string, Probe> = {
      "postgres:11.2-alpine": { code: 0, stdout: "1", stderr: "" },
      "raphael0202/elasticsearch": { code: 0, stdout: "", stderr: "" },
      "tensorflow/serving:2.4.0": { code: 1, stdout: "", stderr: "No such image" },
    };
    const asked: string[] = [];
    const findings = await standInFindings(twoHosts, async (url, ref) => {
      asked.push(`${url ?? "local"} ${ref}`);
      return answers[ref];
    });
    expect(asked).toEqual(["local postgres:11.2-alpine", "local raphael0202/elasticsearch", "ssh://deploy@ml tensorflow/serving:2.4.0"]);
    expect(findings).toEqual([
      {
        level: "FAIL",
        subject: "local",
        message: expect.stringMatching(/^postgres:11\.2-alpine on this host is a test stand-in .*: docker image rm postgres:11\.2-alpine,/),
      },
    ]);
  });
});
