import { createHash } from "node:crypto";
import { posix } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { ServiceName, StackSpec } from "../../models/spec";
import type { SecretKey } from "../../models/secrets";
import { startOrder } from "../../models/order";
import { stackSecrets, type SecretInputs } from "../secrets";
import type { RobotoffDeployment, Workloads } from "../target";
import { secretFiles, type SecretFile, type SwarmNetworking } from "./service-inputs";
import { SwarmService } from "./service";

export interface SwarmDeploymentArgs extends SecretInputs {
  /** The topology to run, from models/stack.ts. */
  readonly spec: StackSpec;
  readonly networking: SwarmNetworking;
  /** Docker names of the secrets start with it (robotoff:containerPrefix). */
  readonly namePrefix: string;
  /** robotoff:swarm.secretsVersion: Swarm secrets are immutable, a new value takes a new name. */
  readonly secretsVersion: number;
}

/** The value of a secret file: the secret, URI-encoded and wrapped where the variable says so. */
function secretValue(file: SecretFile, secrets: Readonly<Partial<Record<SecretKey, pulumi.Output<string>>>>): pulumi.Output<string> {
  const secret = secrets[file.value.secret];
  if (!secret) throw new Error(`${file.variable} needs secret ${file.value.secret}, which the stack did not resolve`);
  const v = file.value;
  return pulumi.secret(secret.apply((s) => `${v.prefix ?? ""}${v.uriEncode ? encodeURIComponent(s) : s}${v.suffix ?? ""}`));
}

/** The same stack as Deployment (services/containers/deployment.ts), as Docker Swarm services (robotoff:target swarm). */
export class SwarmDeployment extends pulumi.ComponentResource implements RobotoffDeployment {
  /** The overlay network every service joins with its name as alias. */
  readonly network: docker.Network;
  readonly services: ReadonlyMap<ServiceName, SwarmService>;
  readonly secrets: Readonly<Partial<Record<SecretKey, pulumi.Output<string>>>>;
  readonly networkName: pulumi.Output<string>;
  /** The Swarm service of each compose service. */
  readonly workloads: Workloads;

  constructor(name: string, args: SwarmDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("robotoff:swarm:Deployment", name, {}, opts);
    const spec: StackSpec = args.spec;
    const parent = { parent: this };
    // Attachable: operators' one-off containers (backups, psql) can join it.
    this.network = new docker.Network(`${name}-network`, { name: spec.networkName, driver: "overlay", attachable: true }, parent);
    this.networkName = this.network.name;
    this.secrets = stackSecrets(name, args, this);

    const secrets: Record<string, docker.Secret> = {};
    for (const file of spec.services.flatMap((s) => secretFiles(s))) {
      if (secrets[file.fileName]) continue;
      secrets[file.fileName] = new docker.Secret(
        `${name}-secret-${file.fileName}`,
        {
          name: `${args.namePrefix}-${file.fileName}-v${args.secretsVersion}`,
          data: secretValue(file, this.secrets).apply((v) => Buffer.from(v, "utf8").toString("base64")),
        },
        parent,
      );
    }

    const services = new Map<ServiceName, SwarmService>();
    for (const svc of startOrder(spec.services)) {
      const configs: Record<string, docker.ServiceConfig> = {};
      for (const f of svc.files ?? []) {
        // Named by content: a changed file is a new config, and the service rolls over to it.
        const hash = createHash("sha256").update(f.content).digest("hex").slice(0, 12);
        configs[f.containerPath] = new docker.ServiceConfig(
          `${name}-${svc.name}-config-${posix.basename(f.containerPath)}`,
          { name: `${svc.containerName}-${posix.basename(f.containerPath)}-${hash}`, data: Buffer.from(f.content, "utf8").toString("base64") },
          parent,
        );
      }
      const reference = spec.images.find((i) => i.key === svc.image)?.reference;
      if (!reference) throw new Error(`service ${svc.name} runs image ${svc.image}, which the stack does not list`);
      const volumes = new Map(spec.volumes.map((v) => [v.key, v.name]));
      services.set(
        svc.name,
        new SwarmService(
          `${name}-${svc.name}`,
          {
            spec: svc,
            image: reference,
            networkId: this.network.id,
            networking: args.networking,
            volumeName: (key) => volumes.get(key) ?? key,
            secrets,
            configs,
            dependsOn: [this.network, ...svc.dependsOn.map((d) => services.get(d)!.service)],
          },
          parent,
        ),
      );
    }
    this.services = services;
    this.workloads = { swarmServices: Object.fromEntries([...services].map(([svc, s]) => [svc, s.service.name])) };
    this.registerOutputs({ networkName: this.network.name });
  }
}
