import type { ScenarioResult } from './scenarios.ts';

/** One row of the chaos table. */
export function chaosRow(r: ScenarioResult): Record<string, string | number> {
  return {
    scenario: r.scenario,
    'recovery s': r.recoveryS ?? '—',
    changes: r.changes,
    'changes lost': r.lost,
    requests: r.requests,
    'requests failed': r.failed,
    'stuck jobs': r.stuck,
    crashes: r.crashes,
    verdict: chaosVerdict(r),
  };
}

/** `ok`, or what went wrong: a lost change, a stuck job, a crashed controller, no recovery. */
export function chaosVerdict(r: ScenarioResult): string {
  if (r.error && r.recoveryS === null && r.changes === 0) return `error: ${r.error}`;
  const problems = [
    ...(r.recoveryS === null ? ['not recovered'] : []),
    ...(r.lost > 0 ? [`${r.lost} lost`] : []),
    ...(r.stuck > 0 ? [`${r.stuck} stuck`] : []),
    ...(r.crashes > 0 ? [`${r.crashes} crashed`] : []),
  ];
  return problems.length > 0 ? problems.join(', ') : 'ok';
}
