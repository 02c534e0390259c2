/**
 * A KongUpstreamPolicy with sticky sessions (a Kong 3.11 feature) and Service `echo` that uses it: the
 * objects the version-gate tests put into the state store.
 */
export function stickyEchoObjects(namespace: string) {
  return [
    {
      apiVersion: 'configuration.konghq.com/v1beta1',
      kind: 'KongUpstreamPolicy',
      metadata: { name: 'sticky', namespace },
      spec: { algorithm: 'sticky-sessions', hashOn: { input: 'none' }, stickySessions: { cookie: 'route' } },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'echo', namespace, annotations: { 'konghq.com/upstream-policy': 'sticky' } },
      spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    },
  ] as const;
}
