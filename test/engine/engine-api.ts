/**
 * The Docker Engine API over a Unix socket: the calls the docker provider's Go client makes, with the
 * same JSON bodies. `engine` talks to DOCKER_HOST when it is a unix:// address, else /var/run/docker.sock;
 * `engineAt` to another Engine's socket (a test bed host's, or a local end of an ssh dial: ssh-dial.ts).
 */
import { request as httpRequest } from "node:http";

export const ENGINE_SOCKET = process.env.DOCKER_HOST?.startsWith("unix://") ? process.env.DOCKER_HOST.slice("unix://".length) : "/var/run/docker.sock";
/** dockerd 20.10's API; the provider's client negotiates down to what the daemon speaks. */
const API = "/v1.41";

export class EngineError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface EngineRequest {
  readonly method: "GET" | "POST" | "PUT" | "DELETE" | "HEAD";
  readonly path: string;
  readonly query?: Record<string, string | number | boolean | undefined>;
  readonly json?: unknown;
  readonly body?: Buffer;
  readonly contentType?: string;
  readonly timeoutMs?: number;
  /** Resolve with the body's bytes (a log stream's frames), not its text or JSON. */
  readonly raw?: boolean;
}

/** One API call to one Engine; a status >= 400 throws an EngineError with the Engine's own message. */
export type EngineApi = <T = any>(req: EngineRequest) => Promise<T>;

/** The API of the Engine listening on socketPath. */
export const engineAt =
  (socketPath: string): EngineApi =>
  <T = any>(req: EngineRequest) =>
    call<T>(socketPath, req);

/** The default Engine (ENGINE_SOCKET). */
export const engine: EngineApi = engineAt(ENGINE_SOCKET);

function call<T>(socketPath: string, req: EngineRequest): Promise<T> {
  const query = Object.entries(req.query ?? {})
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join("&");
  const payload = req.json !== undefined ? Buffer.from(JSON.stringify(req.json)) : req.body;
  return new Promise((resolve, reject) => {
    const r = httpRequest(
      {
        socketPath,
        method: req.method,
        path: `${API}${req.path}${query ? `?${query}` : ""}`,
        headers: payload ? { "Content-Type": req.contentType ?? "application/json", "Content-Length": payload.length } : {},
        timeout: req.timeoutMs ?? 120_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          if (req.raw && (res.statusCode ?? 500) < 400) return resolve(Buffer.concat(chunks) as T);
          const text = Buffer.concat(chunks).toString("utf8");
          let data: any = text;
          try {
            data = text ? JSON.parse(text) : undefined;
          } catch {
            // plain text answer
          }
          if ((res.statusCode ?? 500) >= 400) {
            reject(new EngineError(res.statusCode ?? 500, typeof data === "object" && data?.message ? data.message : text.trim()));
          } else resolve(data as T);
        });
      },
    );
    r.on("timeout", () => r.destroy(new Error(`${req.method} ${req.path}: no answer from the Engine in ${req.timeoutMs ?? 120_000} ms`)));
    r.on("error", reject);
    if (payload) r.write(payload);
    r.end();
  });
}

/** Whether an Engine answers (the default one unless another is named). */
export async function engineAnswers(api: EngineApi = engine): Promise<boolean> {
  try {
    await api({ method: "GET", path: "/_ping", timeoutMs: 5_000 });
    return true;
  } catch {
    return false;
  }
}
