/** An Ingress body for the API client: path `/<name>` of class kong onto Service `<name>` port 80. */
export const pathIngress = (namespace: string, name: string) => ({
  metadata: { name, namespace },
  spec: {
    ingressClassName: 'kong',
    rules: [
      {
        http: {
          paths: [
            { path: `/${name}`, pathType: 'Prefix', backend: { service: { name, port: { number: 80 } } } },
          ],
        },
      },
    ],
  },
});
