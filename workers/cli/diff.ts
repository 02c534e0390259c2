import { diffProxy } from '../../jobs/proxy-diff.ts';
import { instanceName } from '../../k8s/proxy-instances.ts';
import { resolveSettings } from '../../kong/translate/index.ts';
import { ExitCode } from './command.ts';
import { withSession } from './session.ts';

const USAGE = `Usage: kong-fleet diff PROXY [--json] [settings...]

Compares the desired configuration with what PROXY (its id, as kong-fleet status lists it, or the name of
its ProxyInstance) runs (its GET /config), entity by entity:
  + on the proxy, not desired     - desired, missing on the proxy     ~ different values
Secret values (keys, certificates, credentials) are shown as [redacted].
Exit 0 when they match, 1 when they differ, 2 on bad usage.`;

export function main(argv: string[]): Promise<number> {
  return withSession(
    argv,
    { name: 'diff', usage: USAGE, options: { json: { type: 'boolean' } } },
    async (session) => {
      const [id] = session.positionals;
      if (!id) {
        process.stderr.write(`kong-fleet diff: which proxy? (see kong-fleet status)\n\n${USAGE}\n`);
        return ExitCode.usage;
      }
      // The id as `kong-fleet status` prints it, or the ProxyInstance name `kubectl get proxyinstances` shows.
      const proxy =
        (await session.registry.get(id)) ??
        (await session.registry.list()).find((p) => instanceName(p.id) === id);
      if (!proxy) {
        process.stderr.write(`kong-fleet diff: no proxy "${id}" (see kong-fleet status)\n`);
        return ExitCode.usage;
      }
      const desired = await session.builds.desired();
      if (!desired) {
        process.stderr.write('kong-fleet diff: no configuration has been built yet\n');
        return ExitCode.failure;
      }
      const diff = await diffProxy(
        {
          admin: await session.admin(),
          builds: session.builds,
          translateSettings: resolveSettings({
            ingressClass: session.settings.ingressClass,
            featureFlags: session.settings.featureGates,
          }),
        },
        proxy,
        desired.hash,
      );
      const differs = diff.added.length + diff.removed.length + diff.changed.length > 0;
      if (session.options.json) {
        process.stdout.write(
          `${JSON.stringify({ proxy: proxy.id, desiredHash: desired.hash, ...diff }, null, 2)}\n`,
        );
        return differs ? ExitCode.failure : ExitCode.ok;
      }
      process.stdout.write(`desired ${desired.hash} vs proxy ${id}\n`);
      for (const change of diff.removed) process.stdout.write(`- ${change.collection} ${change.key}\n`);
      for (const change of diff.added) process.stdout.write(`+ ${change.collection} ${change.key}\n`);
      for (const change of diff.changed) {
        process.stdout.write(`~ ${change.collection} ${change.key}\n`);
        for (const field of change.fields ?? []) {
          process.stdout.write(
            `    ${field.field}: ${JSON.stringify(field.desired)} → ${JSON.stringify(field.actual)}\n`,
          );
        }
      }
      process.stdout.write(
        differs
          ? `${diff.removed.length} missing, ${diff.added.length} extra, ${diff.changed.length} different\n`
          : 'no difference\n',
      );
      return differs ? ExitCode.failure : ExitCode.ok;
    },
  );
}
