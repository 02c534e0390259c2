import { parseAllDocuments } from 'yaml';
import { CHART_DIR, helm } from '../../helpers/helm.ts';
import type { Manifest } from './overlay.ts';

export interface ChartRenderOptions {
  /** @defaultValue 'kong-fleet' (the name under which the chart's names equal deploy's prefix) */
  release?: string;
  /** @defaultValue 'kong-fleet' */
  namespace?: string;
  /** `--set` pairs, `key=value`. */
  set?: readonly string[];
  /** The CRDs of the chart's crds/ folder too (`helm install` applies them; `helm template` shows them on request). */
  includeCrds?: boolean;
}

/** The `helm template` command line for the repository's chart. */
export function templateArgs({
  release = 'kong-fleet',
  namespace = 'kong-fleet',
  set = [],
  includeCrds = false,
}: ChartRenderOptions = {}): string[] {
  return [
    'template',
    release,
    CHART_DIR,
    `--namespace=${namespace}`,
    ...(includeCrds ? ['--include-crds'] : []),
    ...set.flatMap((pair) => ['--set', pair]),
  ];
}

/** What `helm template` renders, one object per document (hooks, such as the test pod, included). */
export async function renderChart(options: ChartRenderOptions = {}): Promise<Manifest[]> {
  const { stdout } = await helm(templateArgs(options));
  // YAML 1.1, as kubectl and the API server read it: `defaultMode: 0440` is octal there.
  return parseAllDocuments(stdout, { version: '1.1' })
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

/** Objects that are Helm hooks (`helm test` pods): not part of the installed release. */
export const isHook = (m: Manifest) => m.metadata?.annotations?.['helm.sh/hook'] !== undefined;
