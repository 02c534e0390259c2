import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { REDACTED } from '../../../queue/bull-board/redact.ts';
import { BOARD_QUEUES, basicHeader, startTestBoard, type TestBoard } from '../../helpers/bull-board.ts';
import { eventually } from '../../helpers/eventually.ts';

const TOKEN = 'board-token-0123456789abcdef';
const BASIC = 'operator:correct horse battery:staple';
const JSON_BODY = { 'content-type': 'application/json' };

interface QueueView {
  readonly name: string;
  readonly readOnlyMode: boolean;
  readonly isPaused: boolean;
  readonly counts: Record<string, number>;
  readonly jobs: { readonly data: unknown; readonly returnValue: unknown }[];
}

describe('Bull Board on the controller HTTP server', () => {
  let board: TestBoard | undefined;
  afterEach(async () => {
    await board?.close();
    board = undefined;
  });

  const get = (path: string, authorization?: string) =>
    fetch(`${board!.url}${path}`, { headers: authorization ? { authorization } : {} });
  const send = (method: string, path: string, authorization: string, extra: Record<string, string> = {}) =>
    fetch(`${board!.url}${path}`, {
      method,
      headers: { authorization, ...(method === 'POST' || method === 'PATCH' ? JSON_BODY : {}), ...extra },
      body: method === 'POST' || method === 'PATCH' ? JSON.stringify({ name: 'build', data: {} }) : undefined,
    });
  const listQueues = async (authorization: string, query = ''): Promise<QueueView[]> => {
    const response = await get(`/queues/api/queues${query}`, authorization);
    expect(response.status).toBe(200);
    return ((await response.json()) as { queues: QueueView[] }).queues;
  };

  it('refuses every path without credentials, with a challenge a browser prompts for', async () => {
    board = await startTestBoard({ token: TOKEN, basicAuth: BASIC });
    // A static file the page really loads (relative to <base href="/queues/">), found with
    // credentials, must be refused without them too.
    const html = await (await get('/queues', `Bearer ${TOKEN}`)).text();
    const asset = `/queues/${/src="(static\/js\/main\.[^"]+)"/.exec(html)?.[1]}`;
    expect((await get(asset, `Bearer ${TOKEN}`)).status).toBe(200);

    for (const path of [
      '/queues',
      '/queues/',
      '/queues/queue/build',
      '/queues/api/queues',
      asset,
      '/queues/nope',
    ]) {
      const response = await get(path);
      expect(response.status, path).toBe(401);
      const challenge = response.headers.get('www-authenticate');
      expect(challenge, path).toContain('Basic realm="kong-fleet"');
      expect(challenge, path).toContain('Bearer realm="kong-fleet"');
      expect(await response.text(), path).not.toMatch(/build|drift|<html/i);
    }
    // Writes are refused as unauthenticated first, whatever the read-only setting.
    const write = await fetch(`${board.url}/queues/api/queues/build/pause`, { method: 'PUT' });
    expect(write.status).toBe(401);
  });

  it('refuses wrong tokens and passwords, and credentials sent under the other scheme', async () => {
    board = await startTestBoard({ token: TOKEN, basicAuth: BASIC });
    const wrong = [
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      'Bearer',
      `Basic ${Buffer.from(TOKEN).toString('base64')}`,
      basicHeader('operator:wrong'),
      basicHeader(`intruder:${BASIC.split(':').slice(1).join(':')}`),
      basicHeader('operator'),
      `Token ${TOKEN}`,
      TOKEN,
    ];
    for (const authorization of wrong) {
      const response = await get('/queues/api/queues', authorization);
      expect(response.status, authorization).toBe(401);
    }
  });

  it('with the token or the password, serves the page and lists build, push and drift', async () => {
    board = await startTestBoard({ token: TOKEN, basicAuth: BASIC });
    expect(board.mount).toEqual({ auth: 'token+basic', writable: false });
    for (const authorization of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`, basicHeader(BASIC)]) {
      const page = await get('/queues', authorization);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      const queues = await listQueues(authorization);
      expect(queues.map((queue) => queue.name).sort()).toEqual([...BOARD_QUEUES].sort());
      for (const queue of queues) {
        expect(queue.counts.waiting, queue.name).toBe(1);
        // What the UI reads to hide its write buttons.
        expect(queue.readOnlyMode, queue.name).toBe(true);
      }
    }
  });

  it('read-only by default: every write answers 405 and changes nothing', async () => {
    board = await startTestBoard({ token: TOKEN });
    const auth = `Bearer ${TOKEN}`;
    const writes: [string, string][] = [
      ['PUT', '/queues/api/queues/build/pause'],
      ['PUT', '/queues/api/queues/pause'],
      ['PUT', '/queues/api/queues/push/clean/waiting'],
      ['PUT', '/queues/api/queues/drift/empty'],
      ['PUT', '/queues/api/queues/build/retry/failed'],
      ['PUT', '/queues/api/queues/build/obliterate'],
      ['POST', '/queues/api/queues/build/add'],
      ['PATCH', '/queues/api/queues/build/1/update-data'],
      ['DELETE', '/queues/api/queues/build'],
    ];
    for (const [method, path] of writes) {
      const response = await send(method, path, auth);
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD');
    }
    for (const name of BOARD_QUEUES) {
      expect(await board.queues[name].isPaused(), name).toBe(false);
      expect(await board.queues[name].getJobCounts('waiting'), name).toEqual({ waiting: 1 });
    }
  });

  it('writable when enabled: pause works, a cross-site write is refused', async () => {
    board = await startTestBoard({ operatorBasicAuth: BASIC, writable: true });
    const auth = basicHeader(BASIC);
    expect((await listQueues(auth)).every((queue) => !queue.readOnlyMode)).toBe(true);

    const pause = await send('PUT', '/queues/api/queues/build/pause', auth, { origin: board.url });
    expect(pause.status).toBe(200);
    expect(await board.queues.build.isPaused()).toBe(true);
    expect((await listQueues(auth)).find((queue) => queue.name === 'build')?.isPaused).toBe(true);

    const forged = await send('PUT', '/queues/api/queues/build/resume', auth, {
      origin: 'http://evil.example',
    });
    expect(forged.status).toBe(403);
    expect(await board.queues.build.isPaused()).toBe(true);

    const clean = await send('PUT', '/queues/api/queues/push/empty', auth);
    expect(clean.status).toBe(200);
    expect(await board.queues.push.getJobCounts('waiting')).toEqual({ waiting: 0 });
  });

  it('redacts secret-looking fields and PEM blocks in job data and return values', async () => {
    board = await startTestBoard({ token: TOKEN });
    await board.queues.push.add('push', {
      proxy: 'kong-1',
      token: 'leaked-token',
      tls: { clientKey: 'leaked-key', ca: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----' },
      targets: [{ adminPassword: 'leaked-password', name: 'kong-2' }],
    });
    const queues = await listQueues(`Bearer ${TOKEN}`, '?activeQueue=push&status=waiting');
    const jobs = queues.find((queue) => queue.name === 'push')?.jobs ?? [];
    expect(jobs.map((job) => job.data)).toContainEqual({
      proxy: 'kong-1',
      token: REDACTED,
      tls: { clientKey: REDACTED, ca: REDACTED },
      targets: [{ adminPassword: REDACTED, name: 'kong-2' }],
    });
    expect(jobs.map((job) => job.data)).toContainEqual({ proxy: 'kong-0' });
    expect(JSON.stringify(jobs)).not.toContain('leaked');
  });

  it('without any credential file the board is not served: 503 naming the settings', async () => {
    board = await startTestBoard();
    expect(board.mount.auth).toBe('disabled');
    for (const path of ['/queues', '/queues/', '/queues/api/queues', '/queues/static/js/main.js']) {
      const response = await get(path, `Bearer ${TOKEN}`);
      expect(response.status, path).toBe(503);
      const body = (await response.json()) as { message: string };
      expect(body.message).toContain('KONG_FLEET_BOARD_TOKEN_FILE');
      expect(body.message).toContain('KONG_FLEET_BOARD_BASIC_AUTH_FILE');
    }
    // The rest of the server is unaffected.
    expect((await get('/healthz')).status).toBe(200);
  });

  it('a rotated token file is used without a restart; the old token stops working', async () => {
    board = await startTestBoard({ token: TOKEN, reloadIntervalMs: 100 });
    expect((await get('/queues/api/queues', `Bearer ${TOKEN}`)).status).toBe(200);
    const rotated = 'rotated-token-fedcba9876543210';
    await writeFile(join(board.dir, 'token'), `${rotated}\n`);
    await eventually(async () => (await get('/queues/api/queues', `Bearer ${rotated}`)).status === 200, {
      description: 'the rotated token to be accepted',
    });
    expect((await get('/queues/api/queues', `Bearer ${TOKEN}`)).status).toBe(401);
  });

  it('a rotation to an unusable file keeps the previous credentials and says so once', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    board = await startTestBoard({ basicAuth: BASIC, reloadIntervalMs: 100, logger });
    await writeFile(join(board.dir, 'basic-auth'), 'no-colon-here\n');
    const warning = await eventually(() => lines.find((line) => line.includes('could not reload')), {
      description: 'the reload warning',
    });
    expect(warning).toContain(join(board.dir, 'basic-auth'));
    expect(warning).not.toContain('no-colon-here');
    expect((await get('/queues/api/queues', basicHeader(BASIC))).status).toBe(200);
    expect((await get('/queues/api/queues', basicHeader('no-colon-here'))).status).toBe(401);
    // Fixed again: the new password works; the warning was not repeated for the same content.
    await writeFile(join(board.dir, 'basic-auth'), 'operator:new-password\n');
    await eventually(
      async () => (await get('/queues/api/queues', basicHeader('operator:new-password'))).status === 200,
      {
        description: 'the fixed file to be used',
      },
    );
    expect(lines.filter((line) => line.includes('could not reload'))).toHaveLength(1);
  });

  it('an unusable credential file stops start-up with the file named, not its content', async () => {
    await expect(startTestBoard({ basicAuth: 'secret-without-colon' })).rejects.toThrow(
      /basic-auth: the board basic-auth file must hold user:password on one line$/,
    );
    await expect(startTestBoard({ token: ' \n' })).rejects.toThrow(/token: the board token file is empty$/);
    await expect(startTestBoard({ token: 'two words' })).rejects.toThrow(/one word/);
    await expect(startTestBoard({ token: TOKEN, basePath: '/queues/' })).rejects.toThrow(
      /must start with "\/"/,
    );
  });
});
