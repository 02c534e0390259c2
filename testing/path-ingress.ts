/**
 * An Ingress body for the API client (and, with `apiVersion`/`kind`, for the state store): path `/<name>`
 * (or `path`) of class kong onto Service `<name>` port 80.
 */
export const pathIngress = (
  namespace: string,
  name: string,
  options: { readonly path?: string; readonly annotations?: Readonly<Record<string, string>> } = {},
) => ({
  metadata: { name, namespace, ...(options.annotations ? { annotations: { ...options.annotations } } : {}) },
  spec: {
    ingressClassName: 'kong',
    rules: [
      {
        http: {
          paths: [
            {
              path: options.path ?? `/${name}`,
              pathType: 'Prefix',
              backend: { service: { name, port: { number: 80 } } },
            },
          ],
        },
      },
    ],
  },
});
