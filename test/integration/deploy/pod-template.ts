import type { V1Container, V1Deployment, V1PodSpec } from '@kubernetes/client-node';
import type { Manifest } from './overlay.ts';

/**
 * What the kubelet would do with a Deployment's pod template, for running its process outside a
 * cluster: the container's environment (downward API and `$(VAR)` expansion), and which Secret key a
 * file path inside the container comes from.
 */

export function podSpec(deployment: Manifest): V1PodSpec {
  const spec = (deployment as V1Deployment).spec?.template.spec;
  if (!spec) throw new Error(`Deployment ${deployment.metadata?.name} has no pod template`);
  return spec;
}

export function container(spec: V1PodSpec, name: string): V1Container {
  const found = spec.containers.find((c) => c.name === name);
  if (!found) throw new Error(`the pod template has no container ${name}`);
  return found;
}

/**
 * The container's environment as the kubelet builds it: `fieldRef`s from `fields` (e.g.
 * `metadata.namespace`), and `$(NAME)` replaced by a variable defined earlier in the list (`$$` escapes).
 * Other `valueFrom` sources are not supported and throw, naming the variable.
 */
export function containerEnv(
  target: V1Container,
  fields: Readonly<Record<string, string>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of target.env ?? []) {
    if (variable.valueFrom) {
      const path = variable.valueFrom.fieldRef?.fieldPath;
      const value = path === undefined ? undefined : fields[path];
      if (value === undefined)
        throw new Error(`env ${variable.name}: unsupported valueFrom ${JSON.stringify(variable.valueFrom)}`);
      env[variable.name] = value;
    } else {
      env[variable.name] = (variable.value ?? '').replace(
        /\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g,
        (match, name: string | undefined) => (name === undefined ? '$' : (env[name] ?? match)),
      );
    }
  }
  return env;
}

/** The Secret and key a file path inside the container is mounted from (secret volumes only). */
export function secretFileAt(
  spec: V1PodSpec,
  target: V1Container,
  path: string,
): { secretName: string; key: string } {
  const mount = (target.volumeMounts ?? []).find((m) =>
    path.startsWith(`${m.mountPath.replace(/\/$/, '')}/`),
  );
  if (!mount) throw new Error(`container ${target.name} mounts nothing at ${path}`);
  const volume = (spec.volumes ?? []).find((v) => v.name === mount.name);
  const secretName = volume?.secret?.secretName;
  if (!secretName) throw new Error(`${path} is not on a Secret volume (volume ${mount.name})`);
  const relativePath = path.slice(mount.mountPath.replace(/\/$/, '').length + 1);
  const item = volume.secret?.items?.find((i) => i.path === relativePath);
  if (volume.secret?.items && !item)
    throw new Error(`Secret volume ${mount.name} does not project ${relativePath}`);
  return { secretName, key: item?.key ?? relativePath };
}
