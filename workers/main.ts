#!/usr/bin/env node
import { ExitCode } from './cli/command.ts';
// The `kong-fleet` entry point: the only module that reads process.argv and sets the exit code.
import { commands } from './cli/commands.ts';

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'kong-fleet: configure a fleet of Kong Gateway proxies (DB-less) from Kubernetes',
    '',
    'Usage: kong-fleet <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `kong-fleet <command> --help` for the options of a command.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${help()}\n`);
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`kong-fleet: unknown command "${name}"\n\n${help()}\n`);
    return ExitCode.usage;
  }
  const module = await command.load();
  return module.main(rest);
}

process.exitCode = await main(process.argv.slice(2));
