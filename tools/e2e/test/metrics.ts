import type { RunningService } from '@signet/testing';

/** The lines of `name` (every label set) in the service's /metrics exposition. */
export const metricLines = async (svc: RunningService, name: string): Promise<string[]> =>
  (await (await fetch(`${svc.opsUrl}/metrics`)).text()).split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));

/** The sum of the values on the `lines` that contain `match` (a label such as `result="signed"`). */
export const sumOf = (lines: string[], match: string): number =>
  lines.filter((l) => l.includes(match)).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
