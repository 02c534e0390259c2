/** One case's verdict (simulator vs Kong's own expectation) and the agreement table by source file. */
import { evaluate, NotComparable } from './checks.ts';
import type { Answer, SpecCase } from './replay.ts';

export type Verdict =
  | 'agree'
  /** Right status, a different message, field path or body shape. */
  | 'status-only'
  /** The simulator accepted (2xx) what Kong rejects: a wrong verdict. */
  | 'accepted-where-kong-rejects'
  /** The simulator rejected what Kong accepts: a wrong verdict. */
  | 'rejected-where-kong-accepts'
  /** Another status than Kong's (e.g. 404 for 405). */
  | 'other'
  | 'not-comparable';

export const VERDICTS: Verdict[] = [
  'agree',
  'status-only',
  'accepted-where-kong-rejects',
  'rejected-where-kong-accepts',
  'other',
  'not-comparable',
];

export interface Outcome {
  id: string;
  file: string;
  test: string;
  verdict: Verdict;
  expectedStatus: number;
  status: number;
  reasons: string[];
}

const ok = (s: number) => s >= 200 && s < 300;

export function judge(c: SpecCase, answer: Answer): Outcome {
  const expectedStatus = c.checks.find((k) => k.on === 'status')?.value as number;
  const reasons: string[] = [];
  let notComparable: string | undefined;
  for (const check of c.checks) {
    if (check.on !== 'json') continue;
    try {
      const why = evaluate(check, answer.body);
      if (why) reasons.push(why);
    } catch (err) {
      if (!(err instanceof NotComparable)) throw err;
      notComparable = err.message;
    }
  }
  let verdict: Verdict;
  if (answer.status !== expectedStatus) {
    verdict =
      ok(answer.status) && expectedStatus === 400
        ? 'accepted-where-kong-rejects'
        : answer.status === 400 && ok(expectedStatus)
          ? 'rejected-where-kong-accepts'
          : 'other';
    reasons.unshift(`status ${answer.status}, Kong ${expectedStatus}`);
  } else verdict = reasons.length > 0 ? 'status-only' : 'agree';
  // A check that cannot be judged makes the case not comparable, never a pass; a case needing what a
  // DB-less simulator cannot have (test-only plugin schemas, `lmdb_map_size`) counts only when it agrees.
  const needs = c.exclude ?? c.env;
  if (notComparable === undefined && verdict !== 'agree' && needs !== undefined)
    notComparable = `needs ${typeof needs === 'string' ? needs : JSON.stringify(needs)}`;
  if (notComparable !== undefined) {
    verdict = 'not-comparable';
    reasons.unshift(notComparable);
  }
  return {
    id: c.id,
    file: c.file.split('/').pop()!,
    test: c.test,
    verdict,
    expectedStatus,
    status: answer.status,
    reasons,
  };
}

export interface Table {
  rows: { file: string; counts: Record<Verdict, number> }[];
  total: Record<Verdict, number>;
  comparable: number;
  agreement: number;
}

const zero = () => Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;

export function tabulate(outcomes: readonly Outcome[]): Table {
  const byFile = new Map<string, Record<Verdict, number>>();
  const total = zero();
  for (const o of outcomes) {
    const counts = byFile.get(o.file) ?? zero();
    byFile.set(o.file, counts);
    counts[o.verdict]++;
    total[o.verdict]++;
  }
  const comparable = outcomes.length - total['not-comparable'];
  return {
    rows: [...byFile].map(([file, counts]) => ({ file, counts })),
    total,
    comparable,
    agreement: comparable === 0 ? 0 : total.agree / comparable,
  };
}

/** The table as Markdown (printed by the test, pasted into the package README). */
export function renderTable(table: Table): string {
  const head = [
    'file',
    'agree',
    'status only',
    'accepted, Kong rejects',
    'rejected, Kong accepts',
    'other',
    'not comparable',
  ];
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [
    line(head),
    line(head.map((_, i) => (i === 0 ? '---' : '---:'))),
    ...table.rows.map((r) => line([r.file, ...VERDICTS.map((v) => r.counts[v])])),
    line(['**total**', ...VERDICTS.map((v) => table.total[v])]),
    '',
    `${table.total.agree} of ${table.comparable} comparable cases agree (${(table.agreement * 100).toFixed(1)} %)`,
  ].join('\n');
}
