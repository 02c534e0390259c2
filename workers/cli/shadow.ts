import { pino } from 'pino';
import type { ShadowReport } from '../../domain/shadow.ts';
import { loadKubeConfig } from '../../k8s/kube-config.ts';
import { ProxyInstances } from '../../k8s/proxy-instances.ts';
import { ShadowStore } from '../../queue/store/shadow-store.ts';
import { ExitCode } from './command.ts';
import { ago, table, withSession } from './session.ts';

const USAGE = `Usage: kong-fleet shadow [diff] [--json] [settings...]
       kong-fleet shadow takeover [--force] [settings...]
       kong-fleet shadow handback [settings...]

Migrating from KIC (docs/migrating-from-kic.md). In shadow mode kong-fleet runs beside KIC, reads what
every proxy runs (GET /config) and compares it, entity by entity and id by id, with what it would push.
  diff      the latest shadow check: every proxy, clean or its first differences (the default).
            Exit 0 when every proxy is clean, 1 when any differs.
  takeover  sets the ProxyFleet's spec.mode to active: kong-fleet starts pushing. Refused (exit 1) while
            the latest shadow check is not clean or is of an older build, unless --force.
  handback  sets spec.mode back to shadow: kong-fleet stops pushing at once (then scale KIC up again).`;

export function main(argv: string[]): Promise<number> {
  return withSession(
    argv,
    {
      name: 'shadow',
      usage: USAGE,
      options: { json: { type: 'boolean' }, force: { type: 'boolean' } },
    },
    async (session) => {
      const [command = 'diff', ...rest] = session.positionals;
      if (rest.length > 0 || !['diff', 'takeover', 'handback'].includes(command)) {
        process.stderr.write(
          `kong-fleet shadow: unknown command "${session.positionals.join(' ')}"\n\n${USAGE}\n`,
        );
        return ExitCode.usage;
      }
      const store = new ShadowStore({ redis: session.redis, prefix: session.settings.queuePrefix });
      const [report, mode, desired] = await Promise.all([
        store.report(),
        store.mode(),
        session.builds.desired(),
      ]);
      if (command === 'diff') {
        if (session.options.json) {
          process.stdout.write(`${JSON.stringify({ mode, report }, null, 2)}\n`);
        } else {
          process.stdout.write(describe(report, mode?.mode ?? 'active', mode?.refused));
        }
        return report?.clean ? ExitCode.ok : ExitCode.failure;
      }
      const fleet = new ProxyInstances({
        kubeConfig: loadKubeConfig(session.settings.kubeconfig),
        namespace: session.settings.namespace ?? process.env.POD_NAMESPACE ?? 'default',
        fleetName: session.settings.fleetName,
        defaultRepairMode: session.settings.repairMode,
        defaultMode: session.settings.fleetMode,
        logger: pino({ level: 'silent' }),
      });
      if (command === 'handback') {
        await fleet.setModeSpec({ mode: 'shadow', force: false });
        // Recorded too, after the spec (so no mode decision can take over again in between): every
        // replica's pushes read the record, while their cached spec may be seconds old.
        await store.recordMode({
          mode: 'shadow',
          since: new Date().toISOString(),
          reason: 'handed back (kong-fleet shadow handback): building and comparing, not pushing',
        });
        process.stdout.write(
          `ProxyFleet ${fleet.fleetName}: spec.mode shadow; kong-fleet no longer pushes. Scale KIC up again.\n`,
        );
        return ExitCode.ok;
      }
      const force = session.options.force === true;
      const current = report !== null && desired !== null && report.desiredHash === desired.hash;
      if (!force && !(current && report.clean)) {
        process.stderr.write(
          `kong-fleet shadow takeover: refused: ${
            !report
              ? 'no shadow check has run yet'
              : !current
                ? `the latest shadow check is of hash ${report.desiredHash}, the desired build is ${desired?.hash ?? 'none'}`
                : report.summary
          }\nFix the differences (kong-fleet shadow diff), or take over anyway with --force.\n`,
        );
        return ExitCode.failure;
      }
      await fleet.setModeSpec({ mode: 'active', force });
      process.stdout.write(
        `ProxyFleet ${fleet.fleetName}: spec.mode active${force ? ' (forced)' : ''}; kong-fleet pushes from its next check.\n` +
          'Now scale KIC to 0 (docs/migrating-from-kic.md).\n',
      );
      return ExitCode.ok;
    },
  );
}

function describe(report: ShadowReport | null, mode: string, refused: string | undefined): string {
  if (!report) return `mode ${mode}: no shadow check has run yet\n`;
  const rows = report.proxies.map((entry) => [
    entry.proxy,
    entry.actualHash ?? '-',
    entry.clean ? 'clean' : 'differs',
    entry.error ?? `${entry.removed} missing, ${entry.added} extra, ${entry.changed} different`,
  ]);
  const details = report.proxies
    .filter((entry) => entry.first.length > 0)
    .map((entry) => `${entry.proxy}:\n${entry.first.map((line) => `  ${line}`).join('\n')}`);
  return [
    `mode ${mode}${refused ? ` (takeover refused: ${refused})` : ''}; shadow check ${ago(report.at)} of hash ${report.desiredHash ?? '-'}`,
    table(['PROXY', 'RUNS HASH', 'VERDICT', 'DIFFERENCES'], rows),
    ...details,
    report.summary,
    '',
  ].join('\n');
}
