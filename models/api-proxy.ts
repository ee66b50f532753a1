/**
 * robotoff:app.api.release rolling on the containers target: HAProxy holds the api's public port and
 * sends each request to a copy that passes its health check. HAProxy rather than nginx or Traefik: its
 * open-source build checks the copies' health itself, resolves their names again while it runs (a
 * replaced copy comes back at a new address) and retries a request that found no server on another copy;
 * nginx does the first two only in its commercial build, and Traefik reads Docker's socket to find them.
 */

/**
 * Where the stack writes HAProxy's configuration: a folder the image lacks. The root is read-only, so the file
 * goes to a tmpfs; one over the image's own /usr/local/etc/haproxy would take that folder's owner and mode
 * (root, 0755), and the image's user, haproxy, could not write the file there (the real Engine refused it).
 */
export const HAPROXY_CONFIG_PATH = "/etc/robotoff-haproxy/haproxy.cfg";
/** What the image's docker-entrypoint.sh runs: master-worker, in the foreground. */
export const HAPROXY_COMMAND = ["haproxy", "-W", "-db", "-f", HAPROXY_CONFIG_PATH] as const;

export interface ApiProxyConfig {
  /** Port the proxy listens on inside its container, and the port of every copy. */
  readonly port: number;
  /** The copies' DNS names on the stack network (their container names). */
  readonly servers: readonly string[];
  /** The path that answers 200 on a copy ready to serve. */
  readonly healthPath: string;
  /** How long a request may wait for the api's answer (gunicorn's own timeout). */
  readonly serverTimeoutSeconds: number;
}

/**
 * haproxy.cfg for the copies. A copy being replaced fails its check within 2 s and gets no new request;
 * a request already sent to it that finds no server there (refused, or closed without an answer) is sent
 * again, to the other copy. Only GET and HEAD are sent again after they reached a copy: a POST that
 * reached one may have done its work.
 */
export function haproxyConfig(c: ApiProxyConfig): string {
  return `${[
    "# Written by the Robotoff stack (robotoff:app.api.release rolling): the api's copies behind one port.",
    "global",
    "  log stdout format raw local0 info",
    "",
    "defaults",
    "  mode http",
    "  log global",
    "  option httplog",
    "  option dontlognull",
    "  timeout connect 1s",
    "  timeout client 60s",
    `  timeout server ${c.serverTimeoutSeconds}s`,
    "  timeout http-request 10s",
    "  retries 3",
    "  option redispatch 1",
    "  retry-on conn-failure empty-response",
    "",
    "resolvers docker",
    // Docker's embedded DNS server, on every user-defined network: it knows each container by name.
    "  nameserver dns 127.0.0.11:53",
    "  hold valid 1s",
    "  hold nx 1s",
    "  hold other 1s",
    "  hold refused 1s",
    "  hold timeout 1s",
    "  hold obsolete 0s",
    "  timeout resolve 1s",
    "  timeout retry 1s",
    "",
    "frontend api",
    `  bind :${c.port}`,
    "  default_backend copies",
    "",
    "backend copies",
    "  http-request disable-l7-retry unless METH_GET",
    `  option httpchk GET ${c.healthPath}`,
    "  http-check expect status 200",
    "  default-server check inter 1s fall 2 rise 1 resolvers docker resolve-prefer ipv4 init-addr last,libc,none",
    ...c.servers.map((name) => `  server ${name} ${name}:${c.port}`),
  ].join("\n")}\n`;
}
