import type { ServiceName, ServiceSpec } from "./spec";

/** Services ordered so that each comes after what it depends on; throws on a cycle or an unknown name. */
export function startOrder(services: readonly ServiceSpec[]): ServiceSpec[] {
  const byName = new Map(services.map((s) => [s.name, s]));
  const done = new Set<ServiceName>();
  const visiting = new Set<ServiceName>();
  const order: ServiceSpec[] = [];
  const visit = (svc: ServiceSpec, path: readonly ServiceName[]) => {
    if (done.has(svc.name)) return;
    if (visiting.has(svc.name)) throw new Error(`dependency cycle: ${[...path, svc.name].join(" -> ")}`);
    visiting.add(svc.name);
    for (const dep of svc.dependsOn) {
      const target = byName.get(dep);
      if (!target) throw new Error(`${svc.name} depends on ${dep}, which the stack does not run`);
      visit(target, [...path, svc.name]);
    }
    visiting.delete(svc.name);
    done.add(svc.name);
    order.push(svc);
  };
  for (const svc of services) visit(svc, []);
  return order;
}
