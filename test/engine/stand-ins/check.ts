/**
 * Builds the stand-ins under prefixed references and runs each prod container with the prod render's own
 * settings (entrypoint, command, env, user, read-only root, security options, memory, swap, shm, tmpfs, ulimits,
 * healthcheck, uploads, volumes, network aliases) on the local Docker Engine, then stops it with its stop
 * signal; one line per container; removes what it created.
 *
 *   node --require ./tools/register.js test/engine/stand-ins/check.ts [--prefix rbt-check]
 *
 * Not the engine tier: no host ports are published (the engine is shared) and the restart policy is "no"
 * (a failing start shows as an exit, not a restart loop).
 */
import { request } from "node:http";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { run, lastLine } from "../../../tools/shared/command";
import { ensureStandIns, removeStandInTags } from "./images";

type Inputs = Record<string, any>;
const { values } = parseArgs({ options: { prefix: { type: "string", default: "rbt-check" } } });
const prefix = values.prefix!;
const seconds = (d: string) => [...d.matchAll(/(\d+)([hms])/g)].reduce((s, [, n, u]) => s + Number(n) * { h: 3600, m: 60, s: 1 }[u!]!, 0);
const unsecret = (v: any): any => (v && typeof v === "object" && "secret" in v ? v.secret : v);

/** POST to the Engine API on its Unix socket (the CLI cannot create a CMD-form healthcheck). */
function engine(path: string, body: unknown): Promise<{ status: number; text: string }> {
  return new Promise((done, fail) => {
    const req = request({ socketPath: "/var/run/docker.sock", path, method: "POST", headers: { "Content-Type": "application/json" } }, (res) => {
      let text = "";
      res.on("data", (chunk) => (text += chunk)).on("end", () => done({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", fail).end(JSON.stringify(body));
  });
}

/** The container's create body, from the render's inputs. */
function createBody(c: Inputs, image: string, network: string, hostRoot: string, memlockOk: boolean, nofileMax: number) {
  const hc = c.healthcheck;
  const ns = (d: string) => seconds(d) * 1e9;
  const ulimits = (c.ulimits as Inputs[])
    .filter((u) => memlockOk || u.name !== "memlock")
    .map((u) => ({
      Name: u.name,
      Soft: u.name === "nofile" ? Math.min(u.soft, nofileMax) : u.soft,
      Hard: u.name === "nofile" ? Math.min(u.hard, nofileMax) : u.hard,
    }));
  return {
    Image: image,
    Entrypoint: c.entrypoints,
    Cmd: c.command,
    Env: unsecret(c.envs),
    User: c.user,
    StopSignal: c.stopSignal,
    StopTimeout: c.stopTimeout,
    Healthcheck: hc && { Test: hc.tests, Interval: ns(hc.interval), Timeout: ns(hc.timeout), Retries: hc.retries, StartPeriod: ns(hc.startPeriod) },
    HostConfig: {
      Memory: c.memory * 1024 * 1024,
      MemorySwap: c.memorySwap ? c.memorySwap * 1024 * 1024 : undefined,
      Tmpfs: c.tmpfs,
      ShmSize: c.shmSize ? c.shmSize * 1024 * 1024 : undefined,
      ReadonlyRootfs: c.readOnly ?? false,
      SecurityOpt: c.securityOpts,
      Privileged: c.privileged,
      Ulimits: ulimits,
      ExtraHosts: (c.hosts as Inputs[]).map((h) => `${h.host}:${h.ip}`),
      Binds: (c.volumes as Inputs[]).map((v) =>
        v.volumeName ? `${prefix}-${v.volumeName}:${v.containerPath}` : `${join(hostRoot, v.hostPath)}:${v.containerPath}${v.readOnly ? ":ro" : ""}`,
      ),
      NetworkMode: network,
    },
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: c.networksAdvanced[0].aliases } } },
  };
}

/** Uploads as the provider does: an archive holding each file's full path, extracted at `/`. */
async function upload(name: string, uploads: Inputs[] | undefined, scratch: string): Promise<string | undefined> {
  if (!uploads?.length) return undefined;
  const dir = await mkdtemp(join(scratch, "upload-"));
  for (const u of uploads) {
    await mkdir(join(dir, dirname(u.file)), { recursive: true });
    await writeFile(join(dir, u.file), u.content);
  }
  const r = await run("bash", ["-o", "pipefail", "-c", 'tar -C "$1" -c . | docker cp - "$2":/', "upload", dir, name]);
  return r.code === 0 ? undefined : lastLine(r);
}

interface State {
  Status: string;
  ExitCode: number;
  Health?: { Status: string; Log: { Output: string }[] };
}
async function state(name: string): Promise<State> {
  return JSON.parse((await run("docker", ["inspect", "--format", "{{json .State}}", name])).stdout);
}

/** Healthy (or, without a healthcheck, the log line that says it works); the reason otherwise. */
async function waitReady(name: string, logLine: RegExp | undefined, limitS: number): Promise<string | undefined> {
  const until = Date.now() + limitS * 1000;
  while (Date.now() < until) {
    const s = await state(name);
    if (s.Status === "exited") return `exited ${s.ExitCode}: ${lastLine(await run("docker", ["logs", "--tail", "3", name]))}`;
    if (s.Health?.Status === "healthy") return undefined;
    if (s.Health?.Status === "unhealthy") return `unhealthy: ${s.Health.Log.at(-1)?.Output.trim()}`;
    if (logLine && logLine.test((await run("docker", ["logs", name])).stderr)) return undefined;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return `not ready after ${limitS} s`;
}

/** What proves a container without a healthcheck works: a line in its log. */
const READY_LOG: Record<string, RegExp> = {
  workers: /reaches postgres at postgres:5432/,
  scheduler: /reaches postgres at postgres:5432/,
  postgres_exporter: /connected to postgres:5432/,
  // HAProxy, once its configuration is read and its worker runs (the copies' names are the render's, not this check's).
  api_proxy: /Loading success/,
};

async function main() {
  const render = await run("npm", ["run", "--silent", "render", "--", "--stack", "prod-2022", "--format", "json", "--show-secrets"], { timeoutMs: 300_000 });
  if (render.code !== 0) throw new Error(`render failed: ${lastLine(render)}`);
  const rendered = JSON.parse(render.stdout);
  const images: Record<string, string> = rendered.outputs.images;
  const containers: Inputs[] = rendered.resources.filter((r: Inputs) => r.type === "docker:index/container:Container").map((r: Inputs) => r.inputs);
  // A service with copies (the api, robotoff:app.api.release rolling) lists its containers: each is checked as `<service>-<n>`.
  const services: Record<string, string> = Object.fromEntries(
    Object.entries(rendered.outputs.containers as Record<string, string | string[]>).flatMap(([svc, names]) =>
      Array.isArray(names) ? names.map((name, i) => [name, `${svc}-${i + 1}`]) : [[names, svc]],
    ),
  );
  const keyOf = new Map(Object.entries(images).map(([key, ref]) => [ref, key]));
  const refFor = (key: string) => `${prefix}/${key}:1`;

  const started = Date.now();
  const { created } = await ensureStandIns(Object.fromEntries(Object.keys(images).map((k) => [k, refFor(k)])), {
    log: (line) => console.log(line),
    extraTags: { probe: refFor("probe") },
  });
  console.log(`stand-ins ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const scratch = await mkdtemp(join(tmpdir(), `${prefix}-`));
  const network = `${prefix}-net`;
  const made: string[] = [];
  const results: string[] = [];
  try {
    await run("docker", ["network", "create", network]);
    const hostRoot = join(scratch, "host");
    for (const c of containers) for (const v of c.volumes) if (v.hostPath) await mkdir(join(hostRoot, v.hostPath), { recursive: true });
    const tfModels = containers.flatMap((c) => c.volumes).find((v: Inputs) => v.containerPath === "/models");
    await writeFile(
      join(hostRoot, tfModels.hostPath, "models.config"),
      "model_config_list {\n  config { name: 'check' base_path: '/models/check' model_platform: 'tensorflow' }\n}\n",
    );
    const nofileMax = Number((await readFile("/proc/self/limits", "utf8")).match(/Max open files\s+\d+\s+(\d+)/)![1]);

    // In the render's order, which starts dependencies first.
    for (const c of containers) {
      const service = services[c.name]!;
      const name = `${prefix}-${service}`;
      const image = refFor(keyOf.get(c.image)!);
      let memlockOk = true;
      let res = await engine(`/containers/create?name=${name}`, createBody(c, image, network, hostRoot, memlockOk, Infinity));
      made.push(name);
      const notes: string[] = [];
      const uploadError = res.status === 201 ? await upload(name, c.uploads, scratch) : undefined;
      if (uploadError) notes.push(`upload REFUSED (${uploadError})`);
      let startR = res.status === 201 ? await run("docker", ["start", name]) : { code: 1, stdout: "", stderr: res.text };
      if (startR.code !== 0 && c.ulimits.length) {
        notes.push(`ulimits as rendered refused (${startR.stderr.split("\n")[0]}): without memlock, nofile <= ${nofileMax}`);
        await run("docker", ["rm", "-f", name]);
        memlockOk = false;
        res = await engine(`/containers/create?name=${name}`, createBody(c, image, network, hostRoot, memlockOk, nofileMax));
        startR = await run("docker", ["start", name]);
      }
      results.push(`${service}|${name}|${notes.join("; ")}|${startR.code === 0 ? "" : lastLine(startR)}`);
    }

    const lines: string[] = [];
    for (const line of results) {
      const [service, name, notes, startError] = line.split("|") as [string, string, string, string];
      const c = containers.find((x) => services[x.name] === service)!;
      const t0 = Date.now();
      const problem = startError || (await waitReady(name, c.healthcheck ? undefined : READY_LOG[service], 150));
      const ready = problem ? `NOT READY (${problem})` : `${c.healthcheck ? "healthy" : "working"} after ${((Date.now() - t0) / 1000).toFixed(1)} s wait`;
      lines.push(`${service.padEnd(18)} ${ready}${notes ? `; ${notes}` : ""}`);
    }
    const metrics = await run("docker", [
      "run",
      "--rm",
      "--name",
      `${prefix}-probe`,
      "--network",
      network,
      refFor("probe"),
      "wget",
      "-qO-",
      "http://statsd:9102/metrics",
    ]);
    lines.push(
      `${"probe".padEnd(18)} ${metrics.code === 0 ? "wget statsd metrics ok" : `wget failed: ${lastLine(metrics)}`}; api requests counted by statsd: ${/robotoff\.gunicorn\.requests"\} [1-9]/.test(metrics.stdout) ? "yes" : "no (api healthcheck not run yet?)"}`,
    );
    const logs = await run("docker", ["logs", `${prefix}-elasticsearch`]);
    lines.push(`${"elasticsearch".padEnd(18)} ${logs.stderr.split("\n").find((l) => l.includes("limits:")) ?? "no limits line"}`);

    // Stop each with its own signal and timeout, dependents first.
    for (const line of [...results].reverse()) {
      const [service, name] = line.split("|") as [string, string];
      const t0 = Date.now();
      await run("docker", ["stop", name]);
      const s = await state(name);
      lines.push(`${service.padEnd(18)} stopped in ${((Date.now() - t0) / 1000).toFixed(1)} s, exit ${s.ExitCode}`);
    }
    console.log(lines.join("\n"));
  } finally {
    for (const name of made) await run("docker", ["rm", "-f", "-v", name]);
    await run("docker", ["network", "rm", network]);
    for (const v of ["postgres-data", "es-data"]) await run("docker", ["volume", "rm", `${prefix}-${v}`]);
    await removeStandInTags(created);
    await rm(scratch, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(String(error?.stack ?? error));
  process.exit(1);
});
