/**
 * doctor on robotoff:target containers: on each Docker host, what its containers need there (the Engine, memory,
 * volumes, networks, free ports, bind sources, Elasticsearch's limits, the models), and the checkouts images
 * are built from; stand-in images are named.
 */
import { existsSync } from "node:fs";
import type { StackPlan } from "../../models/stack-plan";
import { hasDockerfile } from "../../services/build-inputs";
import { run } from "../shared/command";
import { engineVersion, type Docker } from "../shared/docker";
import type { RuntimeConfig } from "../shared/stack-file";
import { checkoutCheck, hostPlans, planChecks, withoutBindsUnder, type Finding } from "./checks";
import { labelFormat, standInFindings } from "./stand-ins";

const pulumiCli = () => process.env.ROBOTOFF_PULUMI_CLI || "pulumi";

export async function containersFindings(runtime: RuntimeConfig, plan: StackPlan, docker: Docker): Promise<Finding[]> {
  const checkout = checkoutCheck(runtime, plan, (context) => (!existsSync(context) ? "missing" : hasDockerfile(context) ? "ready" : "no Dockerfile"));
  return [
    ...checkout.findings,
    ...(await planChecks(
      withoutBindsUnder(hostPlans(plan), checkout.notCheckouts),
      {
        pulumi: () => run(pulumiCli(), ["version"]),
        engine: (url) => engineVersion(docker, url),
        memTotal: (url) => docker(url, ["info", "--format", "{{.MemTotal}}"]),
        volume: (url, name) => docker(url, ["volume", "inspect", name]),
        network: (url, name) => docker(url, ["network", "inspect", name]),
        containerPorts: (url) => docker(url, ["ps", "--format", "{{.Names}}\t{{.Ports}}"]),
        inProbe: (url, image, command, { mounts = [], ulimits = [] } = {}) =>
          docker(url, [
            "run",
            "--rm",
            "--network",
            "none",
            ...mounts.flatMap((m) => ["--mount", `type=bind,source=${m.hostPath},target=${m.target},readonly`]),
            ...ulimits.flatMap((u) => ["--ulimit", `${u.name}=${u.soft}:${u.hard}`]),
            "--entrypoint",
            command[0],
            image,
            ...command.slice(1),
          ]),
      },
      process.env,
    )),
    ...(await standInFindings(plan.spec, (url, reference) => docker(url, ["image", "inspect", "--format", labelFormat, reference]))),
  ];
}
