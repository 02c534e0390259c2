import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { freshNamespace, kubectl, kubectlApply } from '../../helpers/kube.ts';

const example = (name: string) => readFileSync(new URL(`../../../examples/${name}`, import.meta.url), 'utf8');

describe('example manifests', () => {
  it('the drift-report CronJob applies and runs kong-fleet drift-report --json', async () => {
    const namespace = await freshNamespace('cronjob');
    await kubectlApply(
      example('drift-report-cronjob.yaml').replaceAll('namespace: kong-fleet', `namespace: ${namespace}`),
    );
    const cronjob = JSON.parse(
      await kubectl(['get', 'cronjob', 'kong-fleet-drift-report', '-n', namespace, '-o', 'json']),
    );
    const container = cronjob.spec.jobTemplate.spec.template.spec.containers[0];
    expect(container.args).toEqual(['drift-report', '--json', '--since', '1h']);
    expect(cronjob.spec.schedule).toBe('*/15 * * * *');
    expect(cronjob.spec.jobTemplate.spec.template.spec.automountServiceAccountToken).toBe(false);
    const policy = JSON.parse(
      await kubectl(['get', 'networkpolicy', 'redis-from-drift-report', '-n', namespace, '-o', 'json']),
    );
    expect(policy.spec.ingress[0].from[0].podSelector.matchLabels).toEqual(
      cronjob.spec.jobTemplate.spec.template.metadata.labels,
    );
  });
});
