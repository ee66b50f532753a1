/** livecheck's lines: a verdict, and advice for a service whose copies are not all up. */
import { labelOf, type DeclaredContainer, type Verdict } from "../targets/target";

export const formatVerdict = (v: Verdict) => `${v.service}: ${v.up ? "UP" : "DOWN"}${v.detail ? ` (${v.detail})` : ""}`;

/**
 * For a service that runs copies (the api, robotoff:app.api.release rolling), when some are down: which still
 * serve, and what to do. A release that fails leaves its first copy unhealthy and the others on the old release.
 */
export function copiesAdvice(declared: readonly DeclaredContainer[], verdicts: readonly Verdict[], stack: string): string[] {
  const byService = new Map<string, DeclaredContainer[]>();
  for (const d of declared) if (d.copy !== undefined && !d.stopped) byService.set(d.service, [...(byService.get(d.service) ?? []), d]);
  const advice: string[] = [];
  for (const [service, copies] of byService) {
    const isUp = (d: DeclaredContainer) => verdicts.find((v) => v.service === labelOf(d))?.up === true;
    const down = copies.filter((d) => !isUp(d)).map(labelOf);
    if (down.length === 0) continue;
    const up = copies.filter(isUp).map(labelOf);
    advice.push(
      `${service}: ${down.join(", ")} down; still serving: ${up.join(", ") || "none"}. After a release that failed: put the previous robotoff:app.tag back and run \`pulumi up\` again; why it failed: npm run ops -- --stack ${stack} logs ${service}`,
    );
  }
  return advice;
}
