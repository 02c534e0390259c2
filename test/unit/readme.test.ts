import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eventReasonsMarkdown } from '../../domain/event-reasons.ts';
import { commands } from '../../workers/cli/commands.ts';
import { settingsMarkdown } from '../../workers/config.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('gives the demo and the test command on its first screen', () => {
    const firstScreen = readme.split('\n').slice(0, 25).join('\n');
    expect(firstScreen).toContain('npm run demo');
    expect(firstScreen).toContain('npm test');
  });

  it('documents every setting exactly as the settings declare them', () => {
    // Compare cell by cell: the formatter pads markdown tables.
    const rows = (text: string) =>
      text
        .split('\n')
        .filter((line) => line.startsWith('| `KONG_FLEET_'))
        .map((line) => line.split('|').map((cell) => cell.trim()));
    expect(rows(readme)).toEqual(rows(settingsMarkdown()));
  });

  it('documents every Event reason exactly as the registry declares it', () => {
    const rows = (text: string) =>
      text
        .split('\n')
        .filter((line) => /^\| `[A-Z][A-Za-z]+` *\| (Normal|Warning) *\|/.test(line))
        .map((line) => line.split('|').map((cell) => cell.trim()));
    expect(rows(readme)).toEqual(rows(eventReasonsMarkdown()));
    expect(rows(readme).length).toBeGreaterThan(0);
  });

  it('documents every command', () => {
    for (const command of commands) expect(readme).toContain(`\`${command.name}`);
  });

  it('carries no placeholder', () => {
    expect(readme).not.toMatch(/BENCHMARK_TABLE|TODO|TBD/);
  });
});
