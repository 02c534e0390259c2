import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { BuildStore } from '../../../queue/store/build-store.ts';
import { basicHeader, startTestBoard, type TestBoard } from '../../helpers/bull-board.ts';
import { eventually } from '../../helpers/eventually.ts';
import { redisUrl } from '../../helpers/redis.ts';

const VIEWER = 'viewer-token-0123456789abcdef';
const OPERATOR = 'operator-token-fedcba9876543210';
const OPERATOR_BASIC = 'ops:operator password';
const READ_ENDPOINTS = [
  '/api/proxies',
  '/api/drift-reports',
  '/api/drift-reports?since=1h',
  '/api/shadow',
  '/debug/config',
  '/queues/api/queues',
];

describe('every HTTP endpoint but the probes needs credentials', () => {
  let server: TestBoard | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const get = (path: string, authorization?: string) =>
    fetch(`${server!.url}${path}`, { headers: authorization ? { authorization } : {} });
  const pause = (authorization: string) =>
    fetch(`${server!.url}/queues/api/queues/build/pause`, { method: 'PUT', headers: { authorization } });

  /** A stored desired build, so /debug/config answers 200 rather than 404. */
  async function storeBuild(prefix: string): Promise<void> {
    const redis = new Redis(redisUrl());
    try {
      const builds = new BuildStore({ redis, prefix });
      const text = JSON.stringify({ _format_version: '3.0', services: [] });
      await builds.save(text, {
        hash: 'a'.repeat(32),
        revision: 1,
        createdAt: new Date().toISOString(),
        sizeBytes: text.length,
        durationMs: 1,
        droppedObjects: 0,
      });
      await builds.advanceDesired('a'.repeat(32), 1);
    } finally {
      redis.disconnect();
    }
  }

  it('401 with challenges without or with wrong credentials; 200 with viewer or operator ones', async () => {
    server = await startTestBoard({ token: VIEWER, operatorBasicAuth: OPERATOR_BASIC, controllerRoutes: {} });
    await storeBuild(server.prefix);
    for (const path of READ_ENDPOINTS) {
      for (const authorization of [undefined, `Bearer ${VIEWER}x`, basicHeader('ops:wrong')]) {
        const response = await get(path, authorization);
        expect(response.status, `${path} ${authorization}`).toBe(401);
        expect(response.headers.get('www-authenticate'), path).toMatch(/Bearer realm="kong-fleet"/);
        expect(response.headers.get('www-authenticate'), path).toMatch(/Basic realm="kong-fleet"/);
        expect(await response.text(), path).not.toMatch(/services|desired|drift/);
      }
      for (const authorization of [`Bearer ${VIEWER}`, basicHeader(OPERATOR_BASIC)]) {
        expect((await get(path, authorization)).status, `${path} ${authorization}`).toBe(200);
      }
    }
    // Outside a migration: the spec's mode, no shadow check.
    expect(await (await get('/api/shadow', `Bearer ${VIEWER}`)).json()).toMatchObject({
      spec: { mode: 'active', force: false },
      report: null,
    });
    // Probes and (by default) the metrics stay open.
    for (const path of ['/healthz', '/readyz', '/metrics']) expect((await get(path)).status, path).toBe(200);
  });

  it('/metrics needs credentials only when the setting is on', async () => {
    server = await startTestBoard({ token: VIEWER, controllerRoutes: { metricsAuth: true } });
    const open = await get('/metrics');
    expect(open.status).toBe(401);
    expect(open.headers.get('www-authenticate')).toContain('Bearer realm="kong-fleet"');
    const scraped = await get('/metrics', `Bearer ${VIEWER}`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('kong_fleet_');
  });

  it('no credential file configured: 503, never open', async () => {
    server = await startTestBoard({ controllerRoutes: {} });
    for (const path of READ_ENDPOINTS) {
      const response = await get(path, `Bearer ${VIEWER}`);
      expect(response.status, path).toBe(503);
      expect(((await response.json()) as { message: string }).message).toContain(
        'KONG_FLEET_BOARD_TOKEN_FILE',
      );
    }
    expect((await get('/healthz')).status).toBe(200);
  });

  it('board writes need the operator role: viewer credentials get 403 and change nothing', async () => {
    server = await startTestBoard({ token: VIEWER, operatorToken: OPERATOR, writable: true });
    const refused = await pause(`Bearer ${VIEWER}`);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('operator');
    expect(await server.queues.build.isPaused()).toBe(false);
    expect((await pause(`Bearer ${OPERATOR}`)).status).toBe(200);
    expect(await server.queues.build.isPaused()).toBe(true);
  });

  it('rotated viewer and operator files are used without a restart; the old ones stop working', async () => {
    server = await startTestBoard({
      token: VIEWER,
      operatorToken: OPERATOR,
      writable: true,
      reloadIntervalMs: 100,
      controllerRoutes: {},
    });
    expect((await get('/api/proxies', `Bearer ${VIEWER}`)).status).toBe(200);
    await writeFile(join(server.dir, 'token'), 'viewer-rotated\n');
    await writeFile(join(server.dir, 'operator-token'), 'operator-rotated\n');
    await eventually(
      async () =>
        (await get('/api/proxies', 'Bearer viewer-rotated')).status === 200 &&
        (await get('/debug/config', 'Bearer operator-rotated')).status !== 401,
      { description: 'the rotated tokens to be accepted' },
    );
    expect((await get('/api/proxies', `Bearer ${VIEWER}`)).status).toBe(401);
    expect((await pause(`Bearer ${OPERATOR}`)).status).toBe(401);
    expect((await pause('Bearer operator-rotated')).status).toBe(200);
  });
});
