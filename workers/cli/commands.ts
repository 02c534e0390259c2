import type { CliCommand } from './command.ts';

/** Every `kong-fleet` command, in the order --help lists them. */
export const commands: readonly CliCommand[] = [
  {
    name: 'run',
    summary: 'run the controller (all roles, or those given with --roles)',
    usage: 'kong-fleet run [--roles leader,build,push,drift] [settings...]',
    load: () => import('./run.ts'),
  },
  {
    name: 'translate',
    summary: 'print the Kong config for the Kubernetes objects in a YAML file (errors on stderr)',
    usage:
      'kong-fleet translate -f FILE [--settings SETTINGS.yaml] [--namespace NS] [--json] [--no-validate]',
    load: () => import('./translate.ts'),
  },
  {
    name: 'status',
    summary: 'print the fleet table: every proxy, its state and reported configuration hash',
    usage: 'kong-fleet status [--json]',
    load: () => import('./status.ts'),
  },
  {
    name: 'drift-report',
    summary: 'print the latest drift report (or those of a period with --since)',
    usage: 'kong-fleet drift-report [--json] [--since DURATION]',
    load: () => import('./drift-report.ts'),
  },
  {
    name: 'top',
    summary: 'print the busiest routes of the whole fleet: requests, error rate, p95 latency',
    usage: 'kong-fleet top [--since DURATION] [--limit N] [--json]',
    load: () => import('./top.ts'),
  },
  {
    name: 'diff',
    summary: 'compare the desired configuration with what one proxy runs, entity by entity',
    usage: 'kong-fleet diff PROXY [--json]',
    load: () => import('./diff.ts'),
  },
  {
    name: 'shadow',
    summary: 'beside KIC: the shadow diff of every proxy; takeover (refused unless clean) and handback',
    usage: 'kong-fleet shadow [diff|takeover|handback] [--json] [--force]',
    load: () => import('./shadow.ts'),
  },
  {
    name: 'rollout',
    summary: 'show the staged rollout of the newest build, or promote its step or abort it',
    usage: 'kong-fleet rollout status|promote|abort [--json]',
    load: () => import('./rollout.ts'),
  },
  {
    name: 'rollback',
    summary: 'pin every proxy to an earlier kept build (the previous one by default) until --unpin',
    usage: 'kong-fleet rollback [HASH] | --unpin | --list',
    load: () => import('./rollback.ts'),
  },
  {
    name: 'migrate',
    summary:
      'print kong-fleet chart values for a KIC Deployment or kong/ingress values, naming what cannot move',
    usage: 'kong-fleet migrate -f FILE [--env]',
    load: () => import('./migrate.ts'),
  },
];
