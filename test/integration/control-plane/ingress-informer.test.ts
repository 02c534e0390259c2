import { makeInformer, NetworkingV1Api, type V1Ingress } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/eventually.ts';
import { freshNamespace, kubeConfig, kubectl, kubectlApply } from '../../helpers/kube.ts';
import { ingressYaml, pathOf } from './manifests.ts';

describe('a client-node informer against the real kube-apiserver', () => {
  it('sees add, update and delete of an Ingress applied with kubectl', async () => {
    const namespace = await freshNamespace('informer');
    const kc = kubeConfig();
    const networking = kc.makeApiClient(NetworkingV1Api);
    const informer = makeInformer<V1Ingress>(
      kc,
      `/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses`,
      () => networking.listNamespacedIngress({ namespace }),
    );
    const events: string[] = [];
    informer.on('add', (ing) => events.push(`add ${ing.metadata?.name} ${pathOf(ing)}`));
    informer.on('update', (ing) => events.push(`update ${ing.metadata?.name} ${pathOf(ing)}`));
    informer.on('delete', (ing) => events.push(`delete ${ing.metadata?.name}`));
    const errors: unknown[] = [];
    informer.on('error', (err) => errors.push(err));
    await informer.start();
    try {
      await kubectlApply(ingressYaml('web', '/v1'), { namespace });
      await eventually(() => events.includes('add web /v1'), { description: 'the add event' });

      await kubectlApply(ingressYaml('web', '/v2'), { namespace });
      await eventually(() => events.includes('update web /v2'), { description: 'the update event' });
      expect(informer.get('web', namespace)?.spec?.rules?.[0]?.http?.paths[0]?.path).toBe('/v2');

      await kubectl(['delete', 'ingress', 'web', `--namespace=${namespace}`]);
      await eventually(() => events.includes('delete web'), { description: 'the delete event' });
      expect(informer.list(namespace)).toEqual([]);
      expect(events).toEqual(['add web /v1', 'update web /v2', 'delete web']);
      expect(errors).toEqual([]);
    } finally {
      await informer.stop();
    }
  });
});
