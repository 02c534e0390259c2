import { stringify } from 'yaml';

/** Who the kubeconfig authenticates as: an x509 client certificate or a bearer token. */
export type KubeconfigUser = { clientCertificatePem: string; clientKeyPem: string } | { token: string };

export interface KubeconfigOptions {
  /** `https://127.0.0.1:<port>` of the kube-apiserver. */
  server: string;
  /** PEM of the CA that signed the apiserver's serving certificate. */
  caPem: string;
  user: KubeconfigUser;
  /** Name of the user entry (shows in `kubectl config view`). @defaultValue 'admin' */
  userName?: string;
  /** Name of the cluster and context entries. @defaultValue 'kong-fleet' */
  contextName?: string;
}

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/**
 * A kubeconfig with one cluster, one user and one context, with the credentials inlined (the `*-data`
 * fields), so the file is self-contained. kubectl and @kubernetes/client-node both read it.
 */
export function renderKubeconfig(options: KubeconfigOptions): string {
  const { server, caPem, user, userName = 'admin', contextName = 'kong-fleet' } = options;
  const credentials =
    'token' in user
      ? { token: user.token }
      : {
          'client-certificate-data': base64(user.clientCertificatePem),
          'client-key-data': base64(user.clientKeyPem),
        };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: contextName, cluster: { server, 'certificate-authority-data': base64(caPem) } }],
    users: [{ name: userName, user: credentials }],
    contexts: [{ name: contextName, context: { cluster: contextName, user: userName } }],
    'current-context': contextName,
  });
}
