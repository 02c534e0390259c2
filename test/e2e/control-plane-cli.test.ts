import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { stopControlPlane } from '../../scripts/control-plane.d/control-plane.ts';
import { REPO_ROOT } from '../../scripts/control-plane.d/locations.ts';
import { isOurProcess } from '../../scripts/control-plane.d/processes.ts';
import { readState } from '../../scripts/control-plane.d/state.ts';
import { kubectl } from '../helpers/kube.ts';

const run = promisify(execFile);
const CLI = join(REPO_ROOT, 'scripts', 'control-plane');

/** `ip:port` of every TCP socket `pid` listens on, read from /proc (IPv4 and IPv6). */
function listeningAddresses(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    const target = (() => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return '';
      }
    })();
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match) inodes.add(match[1]!);
  }
  const addresses: string[] = [];
  for (const table of ['tcp', 'tcp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').trim().split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [local, , state, , , , , , inode] = fields.slice(1); // sl local rem st queues tr retr uid timeout inode
      if (state !== '0A' || !inode || !inodes.has(inode)) continue; // 0A = LISTEN
      const [hexIp, hexPort] = local!.split(':');
      const ip =
        hexIp!.length === 8
          ? hexIp!
              .match(/../g)!
              .reverse()
              .map((byte) => Number.parseInt(byte, 16))
              .join('.')
          : `[${hexIp}]`;
      addresses.push(`${ip}:${Number.parseInt(hexPort!, 16)}`);
    }
  }
  return addresses;
}

/** Live processes whose command line mentions `text` (zombies have none). */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('scripts/control-plane, the command line', () => {
  it('up, env, status and down: loopback only, and nothing left behind', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'kf-cli-'));
    const dir = join(parent, 'control-plane');
    const cli = (...args: string[]) => run(CLI, args, { env: { ...process.env, KONG_FLEET_CP_DIR: dir } });
    // A failed assertion must not leave the processes of `up` running.
    onTestFinished(async () => {
      await stopControlPlane(dir);
      await rm(parent, { recursive: true, force: true });
    });

    await cli('up', '--no-crds');
    const state = (await readState(dir))!;
    expect(state.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);

    const { stdout: env } = await cli('env');
    expect(env).toContain(`export KUBECONFIG=${join(dir, 'admin.kubeconfig')}`);
    expect(await kubectl(['get', 'namespace', 'default', '-o=name'], { kubeconfig: state.kubeconfig })).toBe(
      'namespace/default\n',
    );

    const etcd = listeningAddresses(state.pids.etcd);
    const apiserver = listeningAddresses(state.pids.apiserver);
    expect(etcd).toEqual(
      expect.arrayContaining([`127.0.0.1:${state.ports.etcdClient}`, `127.0.0.1:${state.ports.etcdPeer}`]),
    );
    expect(apiserver).toContain(`127.0.0.1:${state.ports.apiserver}`);
    for (const address of [...etcd, ...apiserver]) expect(address).toMatch(/^127\.0\.0\.1:/);

    const { stdout: status } = await cli('status');
    expect(status).toContain(`pids:        etcd ${state.pids.etcd}, kube-apiserver ${state.pids.apiserver}`);

    // `up` again is a no-op that reports the running instance.
    await cli('up', '--no-crds');
    expect((await readState(dir))!.pids).toEqual(state.pids);

    await cli('down');
    expect(isOurProcess(state.pids.etcd, state.binaries.etcd)).toBe(false);
    expect(isOurProcess(state.pids.apiserver, state.binaries.kubeApiserver)).toBe(false);
    expect(processesMentioning(dir)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    await expect(cli('status')).rejects.toMatchObject({ code: 3 });
  });
});
