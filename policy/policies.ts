/**
 * What the Robotoff stack promises, as policies every preview and deploy runs (`--policy-pack policy`).
 * Kept apart from index.ts, which serves them to the engine, so that tests can call them directly.
 */
import type { PolicyConfigSchema, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { canonicalRepository } from "../models/image";
import { isLoopback, PUBLISH_BEYOND_LOOPBACK_LABEL } from "../models/ports";

const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";
const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";
/** robotoff:target swarm: the same promises, on Swarm services. */
const SERVICE = "docker:index/service:Service";

/** A variable that carries a credential, by its name. */
const SECRET_VARIABLE = /PASSWORD|TOKEN|AUTHKEY|SECRET|DSN|MONGO_URI|DATA_SOURCE_NAME/;

export interface RobotoffPolicyConfig {
  /** Image repositories (registry/path, no tag) containers may run; `prefix/*` allows a namespace. */
  allowedImages: string[];
  /** Docker names of the data volumes. */
  dataVolumes: string[];
  /** Data volumes must be protected when the stack creates them (staging and prod). */
  protectDataVolumes: boolean;
}

export const DEFAULT_CONFIG: RobotoffPolicyConfig = {
  allowedImages: [
    "ghcr.io/openfoodfacts/*",
    "docker.io/library/postgres",
    "docker.io/raphael0202/elasticsearch",
    "docker.io/tensorflow/serving",
    "docker.io/prom/statsd-exporter",
    "docker.io/prometheuscommunity/postgres-exporter",
    "docker.io/library/haproxy",
    // Generation 2026-06.
    "docker.io/library/redis",
    "docker.io/library/elasticsearch",
    "docker.io/messense/fasttext-serving",
    "nvcr.io/nvidia/tritonserver",
  ],
  // 2022-09's, then 2026-06's (compose's project prefix).
  dataVolumes: ["postgres-data", "es-data", "robotoff_postgres-data", "robotoff_es-data", "robotoff_redis-data", "robotoff_backup"],
  protectDataVolumes: true,
};

const configSchema = (properties: PolicyConfigSchema["properties"]): PolicyConfigSchema => ({ properties });
const config = (args: ResourceValidationArgs): RobotoffPolicyConfig => ({ ...DEFAULT_CONFIG, ...args.getConfig<Partial<RobotoffPolicyConfig>>() });

const allowed = (repository: string, patterns: readonly string[]) =>
  patterns.some((p) => (p.endsWith("/*") ? repository.startsWith(p.slice(0, -1)) : repository === p));

export const policies: ResourceValidationPolicy[] = [
  {
    name: "published-beyond-loopback-only-where-the-stack-allows",
    description:
      "A container publishes beyond 127.0.0.1 only where the stack allows it (the api; tf_serving with tfServing.allowRemoteAccess), " +
      `as its ${PUBLISH_BEYOND_LOOPBACK_LABEL} label says; postgres and the exporters stay on loopback.`,
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      const labels = (args.props.labels ?? []) as { label: string; value: string }[];
      if (labels.some((l) => l.label === PUBLISH_BEYOND_LOOPBACK_LABEL && l.value === "allowed")) return;
      // Swarm binds no address: any published port is on every interface of the node (or of every node).
      if (args.type === SERVICE) {
        for (const p of args.props.endpointSpec?.ports ?? []) report(`${args.props.name} publishes port ${p.targetPort} on every interface`);
      }
      if (args.type !== CONTAINER) return;
      for (const p of args.props.ports ?? []) {
        if (!isLoopback(p.ip)) {
          report(`${args.props.name} publishes port ${p.internal} on ${p.ip ?? "every interface"}: bind it to 127.0.0.1`);
        }
      }
    },
  },
  {
    name: "memory-limit-on-every-container",
    description: "Every container has a memory limit (CIS Docker Benchmark 5.10).",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (args.type === CONTAINER && !(args.props.memory > 0)) report(`${args.props.name} has no memory limit`);
      if (args.type === SERVICE && !(args.props.taskSpec?.resources?.limits?.memoryBytes > 0)) report(`${args.props.name} has no memory limit`);
    },
  },
  {
    name: "no-privileged-container",
    description: "No container runs privileged (CIS Docker Benchmark 5.4).",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (args.type === CONTAINER && args.props.privileged === true) report(`${args.props.name} runs privileged`);
    },
  },
  {
    name: "secrets-only-as-secrets",
    description:
      "A container whose environment carries a credential keeps its envs secret in state too (additionalSecretOutputs); " +
      "a Swarm service carries none in its spec (they come as secret files).",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (args.type === SERVICE) {
        // Swarm shows a service's env to anyone who can `docker service inspect`: credentials come as secret files.
        const env = Object.keys(args.props.taskSpec?.containerSpec?.env ?? {}).filter((name) => SECRET_VARIABLE.test(name));
        if (env.length > 0) report(`${args.props.name} passes ${env.join(", ")} in its service spec: mount it as a docker.Secret`);
        return;
      }
      if (args.type !== CONTAINER) return;
      const credentials = ((args.props.envs ?? []) as string[]).map((e) => e.slice(0, e.indexOf("="))).filter((name) => SECRET_VARIABLE.test(name));
      if (credentials.length > 0 && !args.opts.additionalSecretOutputs.includes("envs")) {
        report(`${args.props.name} passes ${credentials.join(", ")} without envs in additionalSecretOutputs`);
      }
    },
  },
  {
    name: "data-volumes-protected-or-adopted",
    description: "In staging and prod, a data volume the stack creates is protected (adopted ones are read, never created).",
    enforcementLevel: "mandatory",
    configSchema: configSchema({
      dataVolumes: { type: "array", items: { type: "string" }, default: DEFAULT_CONFIG.dataVolumes },
      protectDataVolumes: { type: "boolean", default: DEFAULT_CONFIG.protectDataVolumes },
    }),
    validateResource: (args, report) => {
      const c = config(args);
      if (args.type !== VOLUME || !c.protectDataVolumes || !c.dataVolumes.includes(args.props.name)) return;
      if (!args.opts.protect) report(`data volume ${args.props.name} is created without protect: a destroy would delete it`);
    },
  },
  {
    name: "images-from-allowed-registries",
    description: "Pulled images come from the allow-listed repositories only (an image built from a checkout is pulled from nowhere).",
    enforcementLevel: "mandatory",
    configSchema: configSchema({ allowedImages: { type: "array", items: { type: "string" }, default: DEFAULT_CONFIG.allowedImages } }),
    validateResource: (args, report) => {
      const image =
        args.type === SERVICE
          ? args.props.taskSpec?.containerSpec?.image
          : args.type === REMOTE_IMAGE && args.props.build === undefined
            ? args.props.name
            : undefined;
      if (image === undefined) return;
      const repository = canonicalRepository(String(image));
      if (repository === undefined) report(`image ${image} is not an image reference`);
      else if (!allowed(repository, config(args).allowedImages)) report(`image ${image} (${repository}) is not on the allow-list`);
    },
  },
];
