import type { CliCommand } from './command.ts';

/** Every `kong-fleet` command, in the order --help lists them. */
export const commands: readonly CliCommand[] = [
  {
    name: 'run',
    summary: 'run the controller (all roles, or those given with --roles)',
    usage: 'kong-fleet run [--roles leader,build,push,drift] [settings...]',
    load: () => import('./run.ts'),
  },
];
