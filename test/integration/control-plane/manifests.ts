import type { V1Ingress } from '@kubernetes/client-node';

/** An Ingress whose only path is `path`, so each apply is a visible change. */
export function ingressYaml(name: string, path: string): string {
  return `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
spec:
  ingressClassName: kong
  rules:
    - http:
        paths:
          - path: ${path}
            pathType: Prefix
            backend:
              service:
                name: echo
                port:
                  number: 80
`;
}

/** The first path of an Ingress (what ingressYaml varies). */
export const pathOf = (ingress: V1Ingress) => ingress.spec?.rules?.[0]?.http?.paths[0]?.path;
