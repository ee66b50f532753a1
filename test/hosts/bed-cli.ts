/**
 * npm run bed -- up [host...]    starts a test bed (default hosts: app ml), prints how to reach each host
 * npm run bed -- down            removes the bed (also what an interrupted run left)
 * As root, with docker.io, openssh-server and iproute2 installed (see test/hosts/bed.ts).
 */
import { helpWanted } from "../../tools/shared/errors";
import { removeBed, startBed } from "./bed";

const USAGE =
  "usage: npm run bed -- up [host...] | down\nup: a test bed of Docker hosts (default: app ml), each a network namespace with its own dockerd and sshd; down: removes it.";

async function main(argv: string[]): Promise<number> {
  if (helpWanted(argv)) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [verb, ...names] = argv;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  if (verb === "down") {
    await removeBed(log);
    return 0;
  }
  if (verb !== "up") {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const bed = await startBed(names.length ? names : ["app", "ml"], log);
  for (const h of bed.hosts) process.stdout.write(`${h.name}: ${h.sshUrl} (own socket: unix://${h.socket})\n`);
  process.stdout.write(`sshOpts: ${JSON.stringify(bed.sshOpts)}\n`);
  process.stdout.write(`e.g.: ssh ${bed.sshOpts.join(" ")} ${bed.hosts[0].sshUrl.slice("ssh://".length)} docker info\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.message : err}\n`);
    process.exit(1);
  },
);
