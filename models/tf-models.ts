/**
 * The tf_models service: puts the models of robotoff:tfServing.models in place on tf_serving's host, then
 * stays up, healthy only once every model is there and models.config is written. Created with a wait for
 * health and depended on by tf_serving, it makes a bad download or checksum fail the deploy, with the
 * served models untouched (kreuzwerker/terraform-provider-docker v4.5.0, resourceDockerContainerCreate: a create
 * with `wait` fails when the container is not healthy within `wait_timeout`; `attach` waits for the exit but never
 * reads its status, and `mustRun` is only read on a refresh).
 * It runs the postgres image the stack already pulls (sh, wget, sha256sum, tar), as postgres_backup does.
 */
import type { StackConfig } from "./config";
import type { Healthcheck, ServiceSpec } from "./spec";

export type TfModel = NonNullable<StackConfig["tfServing"]["models"]>[number];

/** Where tf_serving and tf_models see the models folder. */
export const TF_MODELS_MOUNT = "/models";
export const TF_MODELS_SCRIPT = "/usr/local/share/robotoff/tf-models.sh";
/** How often tf_serving re-reads models.config: a changed model list is served without a restart. */
export const MODELS_CONFIG_POLL_SECONDS = 60;

/** The folder of one model version, and the file that records the sha256 of the archive it came from. */
export const modelDir = (m: Pick<TfModel, "name" | "version">) => `${m.name}/${m.version}`;
export const modelChecksumFile = (m: Pick<TfModel, "name" | "version">) => `${m.name}/.${m.version}.sha256`;

/** models.config in TensorFlow Serving's text format: each model at its version, from its folder. */
export function modelsConfig(models: readonly TfModel[]): string {
  const entries = models.map((m) =>
    [
      "  config {",
      `    name: "${m.name}"`,
      `    base_path: "${TF_MODELS_MOUNT}/${m.name}"`,
      `    model_platform: "${m.platform}"`,
      `    model_version_policy { specific { versions: ${m.version} } }`,
      "  }",
    ].join("\n"),
  );
  return `model_config_list {\n${entries.join("\n")}\n}\n`;
}

/** One line per model for the script: `name version sha256 url`. */
export const modelLines = (models: readonly TfModel[]) => models.map((m) => `${m.name} ${m.version} ${m.sha256} ${m.url}`).join("\n");

/**
 * POSIX sh (busybox in the alpine image). A model already in place with the same archive checksum is not
 * downloaded again. Otherwise its archive goes to a work folder, is checked, unpacked (a single top folder,
 * saved_model/, is stripped, as upstream's `tar --strip-components=1`), and only then moved into place. The
 * first failure stops it: models.config is left as it was, and the container stays up, unhealthy, its
 * failure in its log and its healthcheck output.
 */
export const TF_MODELS_SH = `#!/bin/sh
set -u
umask 022
root="$TF_MODELS_ROOT"
work="$root/.provisioning"
ready="$TF_MODELS_STATE/tf-models.ready"
failed="$TF_MODELS_STATE/tf-models.failed"
log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) tf_models: $*" >&2; }
stay() { trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done; }
fail() { log "FAILED: $*; models.config unchanged"; rm -rf "$work"; echo "$*" > "$failed"; stay; }
rm -f "$ready" "$failed"
{ rm -rf "$work" && mkdir -p "$work"; } || fail "cannot write to $root"
while read -r name version sha url; do
  [ -n "$name" ] || continue
  dir="$root/$name/$version"
  mark="$root/$name/.$version.sha256"
  if [ -d "$dir" ] && [ "$(cat "$mark" 2>/dev/null)" = "$sha" ]; then log "$name $version: in place"; continue; fi
  log "$name $version: downloading $url"
  mkdir -p "$work/$name/unpacked"
  wget -q -O "$work/$name/archive" "$url" || fail "model $name: download of $url failed"
  got=$(sha256sum "$work/$name/archive" | cut -d' ' -f1)
  [ "$got" = "$sha" ] || fail "model $name: sha256 of $url is $got, expected $sha"
  tar -xzf "$work/$name/archive" -C "$work/$name/unpacked" || fail "model $name: $url is not a .tar.gz archive"
  src="$work/$name/unpacked"
  set -- "$src"/*
  if [ $# -eq 1 ] && [ -d "$1" ]; then src="$1"; fi
  { mkdir -p "$root/$name" && rm -rf "$dir.old" && { [ ! -e "$dir" ] || mv "$dir" "$dir.old"; } && mv "$src" "$dir" && echo "$sha" > "$mark" && rm -rf "$dir.old"; } ||
    fail "model $name: could not move it to $dir"
  log "$name $version: in place ($sha)"
done <<MODELS
$TF_MODELS
MODELS
{ printf '%s' "$TF_MODELS_CONFIG" > "$root/.models.config.new" && mv "$root/.models.config.new" "$root/models.config"; } || fail "cannot write $root/models.config"
rm -rf "$work"
touch "$ready"
log "every model in place, models.config written"
stay
`;

/** Where the script says how it went (ready, or the failure), inside the container. */
const STATE_DIR = "/tmp";

/** Healthy once the models are in place; failures during the provisioning time do not count, a success ends it. */
export const tfModelsHealthcheck = (timeoutSeconds: number): Healthcheck => ({
  command: ["sh", "-c", `if [ -f ${STATE_DIR}/tf-models.ready ]; then exit 0; fi; cat ${STATE_DIR}/tf-models.failed 2>/dev/null || echo provisioning; exit 1`],
  intervalSeconds: 5,
  timeoutSeconds: 5,
  retries: 1,
  startPeriodSeconds: timeoutSeconds,
});

/** The service, for a stack with robotoff:tfServing.models; `modelsDir` is tf_serving's models folder. */
export function tfModelsService(
  cfg: StackConfig,
  models: readonly TfModel[],
  modelsDir: string,
): Pick<ServiceSpec, "name" | "host" | "image" | "entrypoint" | "env" | "binds" | "files" | "memoryMb" | "healthcheck" | "waitTimeoutSeconds"> {
  const timeout = cfg.tfServing.modelsTimeout;
  return {
    name: "tf_models",
    host: cfg.tfServing.host,
    image: "postgres",
    entrypoint: ["sh", TF_MODELS_SCRIPT],
    env: { TF_MODELS: modelLines(models), TF_MODELS_CONFIG: modelsConfig(models), TF_MODELS_ROOT: TF_MODELS_MOUNT, TF_MODELS_STATE: STATE_DIR },
    binds: [{ hostPath: modelsDir, containerPath: TF_MODELS_MOUNT, readOnly: false }],
    files: [{ containerPath: TF_MODELS_SCRIPT, content: TF_MODELS_SH }],
    memoryMb: 256,
    healthcheck: tfModelsHealthcheck(timeout),
    waitTimeoutSeconds: timeout,
  };
}
