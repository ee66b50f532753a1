/**
 * The engine test tier tags local stand-in images with the references the stack uses. On a host that
 * ran it, `pulumi up` would find those images present and run them instead of pulling the real ones:
 * doctor fails on any image of the stack that carries the stand-ins' label.
 */
import type { StackSpec } from "../../models/spec";
import type { Finding, Probe } from "./checks";

/** Set on every stand-in image the engine tier builds (test/engine/stand-ins/). */
export const STAND_IN_LABEL = "org.openfoodfacts.robotoff.stand-in";

/** `docker image inspect --format` that prints the label's value ("" when absent). */
export const labelFormat = `{{index .Config.Labels "${STAND_IN_LABEL}"}}`;

/** Each host's image references that are pulled (a built image is the host's own by design). */
export function pulledImagesByHost(spec: StackSpec): { host: string; url?: string; references: string[] }[] {
  return spec.hosts.map((h) => {
    const keys = new Set(spec.services.filter((s) => s.host === h.name).map((s) => s.image));
    const references = spec.images.filter((i) => keys.has(i.key) && !i.build).map((i) => i.reference);
    return { host: h.name, url: h.url, references };
  });
}

export async function standInFindings(spec: StackSpec, inspectLabel: (url: string | undefined, reference: string) => Promise<Probe>): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const { host, url, references } of pulledImagesByHost(spec)) {
    for (const reference of references) {
      const answer = await inspectLabel(url, reference);
      // Exit non-zero: not on the host yet, which is fine (pulled at deploy) or the Engine is down (said elsewhere).
      if (answer.code === 0 && answer.stdout.trim() === "1") {
        findings.push({
          level: "FAIL",
          subject: host,
          message: `${reference} on this host is a test stand-in (label ${STAND_IN_LABEL}), left by the engine test tier: docker image rm ${reference}, so that pulumi up pulls the real image`,
        });
      }
    }
  }
  return findings;
}
