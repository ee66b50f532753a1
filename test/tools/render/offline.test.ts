/** tools/render/offline.ts: a program whose registration fails under the mocks fails the render, it does not hang. */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { failure, InputError } from "../../../tools/shared/errors";
import { runOffline } from "../../../tools/render/offline";
import type { RuntimeConfig } from "../../../tools/shared/stack-file";

const cfg: RuntimeConfig = { project: "robotoff", stack: "offline-test", config: {}, secretKeys: [], secureValues: {} };

class Thing extends pulumi.CustomResource {
  constructor(name: string, props: pulumi.Inputs = {}) {
    super("test:index:Thing", name, props);
  }
}

describe("runOffline", () => {
  it("rejects, naming the resource, when two resources share a name (the mocks refuse the second)", async () => {
    const program = async () => {
      new Thing("same");
      new Thing("same");
      return {};
    };
    await expect(runOffline(cfg, program)).rejects.toThrow("the mocks refused test:index:Thing::same: a second resource of that type and name");
  }, 10_000);

  it("rejects with what the mocks could not answer for a resource, rather than waiting on it", async () => {
    class Image extends pulumi.CustomResource {
      constructor(name: string) {
        super("docker:index/remoteImage:RemoteImage", name, { name: "postgres:11.2-alpine", imageId: undefined });
      }
    }
    const imageIdOf = () => {
      throw new Error("no such image");
    };
    await expect(runOffline(cfg, async () => ({ id: new Image("img").id }), { imageIdOf })).rejects.toThrow(
      "the mocks refused docker:index/remoteImage:RemoteImage::img: no such image",
    );
  }, 10_000);

  it("rejects with an InputError, exit 1 without a trace, when the program stops with a RunError (a config the program refused)", async () => {
    const stopped = runOffline(cfg, async () => {
      throw new pulumi.RunError("robotoff:hostRoot: no Dockerfile there");
    });
    await expect(stopped).rejects.toThrow(InputError);
    expect(failure(await stopped.catch((err) => err))).toEqual({ code: 1, message: "robotoff:hostRoot: no Dockerfile there" });
  }, 10_000);

  it("keeps any other error of the program as it is (a bug keeps its trace)", async () => {
    const bug = await runOffline(cfg, async () => {
      throw new TypeError("x is undefined");
    }).catch((err) => err);
    expect(bug).toBeInstanceOf(TypeError);
    expect(failure(bug).message).toMatch(/^TypeError: x is undefined\n\s+at /);
  }, 10_000);

  it("renders the next program after one that failed", async () => {
    const rendered = await runOffline(cfg, async () => {
      new Thing("one", { size: 1 });
      return { answer: pulumi.output(42) };
    });
    expect(rendered.outputs).toEqual({ answer: 42 });
    expect(rendered.resources.map((r) => r.name)).toEqual(["one"]);
  });
});
