import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { ServiceSpec } from "../../models/spec";
import { swarmServiceInputs, type ServiceInputsContext } from "./service-inputs";

export interface SwarmServiceArgs extends ServiceInputsContext<pulumi.Output<string>> {
  readonly spec: ServiceSpec;
  /** The Docker secrets of the stack, by file name (service-inputs.ts secretFiles). */
  readonly secrets: Readonly<Record<string, docker.Secret>>;
  /** The Docker configs of the stack, by the path they are mounted at in this service. */
  readonly configs: Readonly<Record<string, docker.ServiceConfig>>;
  /** Services that must run healthy tasks first. */
  readonly dependsOn: readonly pulumi.Resource[];
}

/** One compose service as a Swarm service on the stack's overlay network. */
export class SwarmService extends pulumi.ComponentResource {
  readonly service: docker.Service;

  constructor(name: string, args: SwarmServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("robotoff:swarm:Service", name, {}, opts);
    const inputs = swarmServiceInputs(args.spec, args);
    const { secretFiles, configFiles, ...containerSpec } = inputs.taskSpec.containerSpec;
    const lookup = <T>(table: Readonly<Record<string, T>>, key: string, what: string): T => {
      if (!table[key]) throw new Error(`${args.spec.name} mounts ${what} ${key}, which the stack does not create`);
      return table[key];
    };
    this.service = new docker.Service(
      `${name}-service`,
      {
        ...inputs,
        taskSpec: {
          ...inputs.taskSpec,
          containerSpec: {
            ...containerSpec,
            secrets: secretFiles.map((file) => {
              const secret = lookup(args.secrets, file, "secret");
              return { secretId: secret.id, secretName: secret.name, fileName: file };
            }),
            configs: configFiles.map((path) => {
              const config = lookup(args.configs, path, "config");
              return { configId: config.id, configName: config.name, fileName: path };
            }),
          },
        },
      },
      // A fixed name: a replacement must go first (the new one could not take the name).
      { parent: this, dependsOn: [...args.dependsOn], deleteBeforeReplace: true },
    );
    this.registerOutputs({ serviceName: this.service.name });
  }
}
