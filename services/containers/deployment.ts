import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { ServiceName, StackSpec, VolumeSpec } from "../../models/spec";
import type { SecretKey } from "../../models/secrets";
import { startOrder } from "../../models/order";
import { stackSecrets, type SecretInputs } from "../secrets";
import type { RobotoffDeployment, Workloads } from "../target";
import { Service } from "./service";

export interface DeploymentArgs extends SecretInputs {
  /** The topology to run, from models/stack.ts. */
  spec: StackSpec;
  /** Per built image key: values whose change rebuilds it (the build's own files, hashed). */
  buildTriggers?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** A data volume: read like compose's `external: true`, or created, and then kept when `retained`. */
function dataVolume(name: string, volume: VolumeSpec, opts: pulumi.CustomResourceOptions): docker.Volume {
  switch (volume.lifecycle) {
    case "external":
      return docker.Volume.get(name, volume.name, undefined, opts);
    case "retained":
      return new docker.Volume(name, { name: volume.name }, { ...opts, protect: true, retainOnDelete: true });
    case "managed":
      return new docker.Volume(name, { name: volume.name }, opts);
  }
}

/** Everything one Robotoff stack runs on its Docker hosts: networks, volumes, images, services. */
export class Deployment extends pulumi.ComponentResource implements RobotoffDeployment {
  /** The stack network on the `local` host (on the first host when no service runs locally). */
  readonly network: docker.Network;
  /** The stack network on each host. */
  readonly networks: Readonly<Record<string, docker.Network>>;
  /** A Docker provider per host with an address; `local` uses the default provider. */
  readonly providers: Readonly<Record<string, docker.Provider>>;
  readonly volumes: Readonly<Record<string, docker.Volume>>;
  /** Images by `<key>` on the local host, `<key>@<host>` elsewhere. */
  readonly images: Readonly<Record<string, docker.RemoteImage>>;
  readonly services: ReadonlyMap<ServiceName, Service>;
  /** Every secret the containers receive, one value per key. */
  readonly secrets: Readonly<Partial<Record<SecretKey, pulumi.Output<string>>>>;
  readonly networkName: pulumi.Output<string>;
  /** Each service's container name, or its copies' names. */
  readonly workloads: Workloads;

  constructor(name: string, args: DeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("robotoff:docker:Deployment", name, {}, opts);
    const { spec } = args;
    const parent = { parent: this };

    // Local resources keep host-free names (and the default provider), so that adding a host moves nothing.
    const suffix = (host: string) => (host === "local" ? "" : `-${host}`);
    const imageOn = (key: string, host: string) => (host === "local" ? key : `${key}@${host}`);
    this.providers = Object.fromEntries(
      spec.hosts
        .filter((h) => h.url !== undefined)
        .map((h) => [
          h.name,
          new docker.Provider(`${name}-host-${h.name}`, { host: h.url, sshOpts: h.sshOpts && [...h.sshOpts], certPath: h.certPath }, parent),
        ]),
    );
    const on = (host: string): pulumi.CustomResourceOptions => ({ parent: this, provider: this.providers[host] });

    this.networks = Object.fromEntries(
      spec.hosts.map((h) => [h.name, new docker.Network(`${name}-network${suffix(h.name)}`, { name: spec.networkName }, on(h.name))]),
    );
    this.network = this.networks.local ?? this.networks[spec.hosts[0].name];
    this.networkName = this.network.name;

    const hostOfVolume = (key: string) => spec.services.find((s) => s.volumes.some((v) => v.volume === key))?.host ?? "local";
    this.volumes = Object.fromEntries(spec.volumes.map((v) => [v.key, dataVolume(`${name}-${v.key}`, v, on(hostOfVolume(v.key)))]));

    const images: Record<string, docker.RemoteImage> = {};
    for (const host of spec.hosts) {
      const keys = new Set(spec.services.filter((s) => s.host === host.name).map((s) => s.image));
      for (const i of spec.images.filter((x) => keys.has(x.key))) {
        images[imageOn(i.key, host.name)] = new docker.RemoteImage(
          `${name}-image-${i.key}${suffix(host.name)}`,
          {
            name: i.reference,
            keepLocally: true,
            // The builder is named, not left to buildx's default (kreuzwerker v4.5.0 buildImage, which resolves the
            // operator's current buildx builder: maybe a remote one whose --load lands on another Engine than the
            // provider's): legacyBuildDockerImage sends the build to the provider's own Engine (ImageBuild), which
            // still builds with BuildKit from API 1.39 on (enableBuildKitIfSupported).
            build: i.build && { context: i.build.context, target: i.build.target, buildArgs: { ...i.build.args }, useLegacyBuilder: true },
            triggers: args.buildTriggers?.[i.key] && { ...args.buildTriggers[i.key] },
          },
          on(host.name),
        );
      }
    }
    this.images = images;

    const secrets = stackSecrets(name, args, this);
    this.secrets = secrets;

    const services = new Map<ServiceName, Service>();
    for (const svc of startOrder(spec.services)) {
      const image = this.images[imageOn(svc.image, svc.host)];
      if (!image) throw new Error(`service ${svc.name} runs image ${svc.image}, which the stack does not pull`);
      const provider = this.providers[svc.host];
      services.set(
        svc.name,
        new Service(
          `${name}-${svc.name}`,
          {
            spec: svc,
            image,
            network: this.networks[svc.host],
            // Joined by name, never created, deleted or looked up: another stack (Product Opener's) owns them,
            // and a preview on a machine without them (CI) must not fail. `npm run doctor` checks they exist.
            externalNetworks: svc.externalNetworks ?? [],
            volumes: this.volumes,
            secrets,
            dependsOn: svc.dependsOn.flatMap((d) => services.get(d)!.ready),
          },
          { parent: this, ...(provider ? { providers: [provider] } : {}) },
        ),
      );
    }
    this.services = services;
    this.workloads = {
      containers: Object.fromEntries([...services].map(([svc, s]) => [svc, s.containers.length > 1 ? s.containers.map((c) => c.name) : s.container.name])),
    };
    this.registerOutputs({ networkName: this.network.name });
  }
}
