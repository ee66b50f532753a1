import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as random from "@pulumi/random";
import type { ServiceName, StackSpec, VolumeSpec } from "../models/spec";
import type { SecretKey, SecretSource } from "../models/secrets";
import { startOrder } from "../models/order";
import { Service } from "./service";

export interface DeploymentArgs {
  /** The topology to run, from models/stack.ts. */
  spec: StackSpec;
  /** Where each secret comes from (models/secrets.ts). */
  secretSources: Readonly<Record<SecretKey, SecretSource>>;
  /** Values of the secrets whose source is config. */
  configSecrets: Readonly<Partial<Record<SecretKey, pulumi.Output<string>>>>;
  /** Docker container names are `<prefix>-<service>`. */
  containerPrefix: string;
}

/** A data volume: read like compose's `external: true`, or created, and then kept when `retained`. */
function dataVolume(name: string, volume: VolumeSpec, parent: pulumi.Resource): docker.Volume {
  switch (volume.lifecycle) {
    case "external":
      return docker.Volume.get(name, volume.name, undefined, { parent });
    case "retained":
      return new docker.Volume(name, { name: volume.name }, { parent, protect: true, retainOnDelete: true });
    case "managed":
      return new docker.Volume(name, { name: volume.name }, { parent });
  }
}

/** Everything one Robotoff stack runs on a Docker host: network, volumes, images, services. */
export class Deployment extends pulumi.ComponentResource {
  readonly network: docker.Network;
  readonly externalNetworks: Readonly<Record<string, docker.Network>>;
  readonly volumes: Readonly<Record<string, docker.Volume>>;
  readonly images: Readonly<Record<string, docker.RemoteImage>>;
  readonly services: ReadonlyMap<ServiceName, Service>;
  /** Every secret the containers receive, one value per key. */
  readonly secrets: Readonly<Partial<Record<SecretKey, pulumi.Output<string>>>>;

  constructor(name: string, args: DeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("robotoff:docker:Deployment", name, {}, opts);
    const { spec } = args;
    const parent = { parent: this };

    this.network = new docker.Network(`${name}-network`, { name: spec.networkName }, parent);
    this.volumes = Object.fromEntries(spec.volumes.map((v) => [v.key, dataVolume(`${name}-${v.key}`, v, this)]));
    this.images = Object.fromEntries(
      spec.images.map((i) => [
        i.key,
        new docker.RemoteImage(
          `${name}-image-${i.key}`,
          {
            name: i.reference,
            keepLocally: true,
            build: i.build && { context: i.build.context, target: i.build.target, buildArgs: { ...i.build.args } },
          },
          parent,
        ),
      ]),
    );
    // Joined, never created or deleted: another stack (Product Opener's) owns them.
    this.externalNetworks = Object.fromEntries(
      spec.externalNetworks.map((n) => [n, docker.Network.get(`${name}-external-network-${n}`, n, undefined, parent)]),
    );

    const secrets: Partial<Record<SecretKey, pulumi.Output<string>>> = {};
    for (const [key, source] of Object.entries(args.secretSources) as [SecretKey, SecretSource][]) {
      if (source === "config") secrets[key] = args.configSecrets[key];
      if (source === "generated") {
        // The provider marks `result` secret, but only once it answers: say so here, before any use.
        const generated = new random.RandomPassword(`${name}-${key}`, { length: 32, special: false }, parent);
        secrets[key] = pulumi.secret(generated.result);
      }
    }
    this.secrets = secrets;

    const services = new Map<ServiceName, Service>();
    for (const svc of startOrder(spec.services)) {
      const image = this.images[svc.image];
      if (!image) throw new Error(`service ${svc.name} runs image ${svc.image}, which the stack does not pull`);
      services.set(
        svc.name,
        new Service(
          `${name}-${svc.name}`,
          {
            spec: svc,
            containerName: `${args.containerPrefix}-${svc.name}`,
            image,
            network: this.network,
            externalNetworks: (svc.externalNetworks ?? []).map((n) => this.externalNetworks[n]),
            volumes: this.volumes,
            secrets,
            dependsOn: svc.dependsOn.map((d) => services.get(d)!.container),
          },
          parent,
        ),
      );
    }
    this.services = services;
    this.registerOutputs({ networkName: this.network.name });
  }
}
