import { statSync } from 'node:fs';
import { KubeConfig, type RequestContext } from '@kubernetes/client-node';

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

/**
 * A KubeConfig whose API requests share one connection pool. @kubernetes/client-node 2.0 makes a new
 * undici Agent for every request (KubeConfig.applySecurityAuthentication): a TLS connection and
 * secure context each, kept alive until collected; with a ProxyInstance write per proxy per change
 * that held 120 connections to the apiserver and grew the native heap by tens of MiB a minute. The
 * pool is made again when the credentials it was made with change (context, or a rotated file).
 */
class SharedPoolKubeConfig extends KubeConfig {
  #shared: { readonly key: string; readonly dispatcher: Dispatcher } | undefined;

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (!fresh) return;
    const key = this.#credentialsKey();
    const shared = this.#shared;
    if (shared?.key === key) {
      context.setDispatcher(shared.dispatcher);
      return;
    }
    this.#shared = { key, dispatcher: fresh };
    // In-flight requests of the old pool finish; then it closes.
    void shared?.dispatcher.close().catch(() => {});
  }

  /** What the TLS side of a request depends on: the context's cluster and user, and the files' mtimes. */
  #credentialsKey(): string {
    const cluster = this.getCurrentCluster();
    const user = this.getCurrentUser();
    const mtime = (file: string | undefined) =>
      file ? (statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0) : 0;
    return JSON.stringify([
      this.getCurrentContext(),
      cluster?.server,
      cluster?.skipTLSVerify,
      cluster?.tlsServerName,
      cluster?.caFile,
      mtime(cluster?.caFile),
      cluster?.caData,
      user?.name,
      user?.certFile,
      mtime(user?.certFile),
      user?.keyFile,
      mtime(user?.keyFile),
      user?.certData,
      user?.keyData,
    ]);
  }
}

/**
 * The cluster credentials: an explicit kubeconfig file when given, else the usual order
 * ($KUBECONFIG, ~/.kube/config, then the in-cluster ServiceAccount).
 */
export function loadKubeConfig(path?: string): KubeConfig {
  const kubeConfig = new SharedPoolKubeConfig();
  if (path) kubeConfig.loadFromFile(path);
  else kubeConfig.loadFromDefault();
  return kubeConfig;
}
