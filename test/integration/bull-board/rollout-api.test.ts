import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { BuildStore } from '../../../queue/store/build-store.ts';
import { RolloutStore } from '../../../queue/store/rollout-store.ts';
import { startTestBoard, type TestBoard } from '../../helpers/bull-board.ts';
import { redisUrl } from '../../helpers/redis.ts';

const VIEWER = 'viewer-token-rollout-0123456789';
const OPERATOR = 'operator-token-rollout-9876543210';

describe('rollout and rollback over HTTP', () => {
  let server: TestBoard | undefined;
  let redis: Redis | undefined;
  afterEach(async () => {
    await server?.close();
    redis?.disconnect();
    server = undefined;
  });

  const call = (path: string, token: string, body?: unknown) =>
    fetch(`${server!.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('shows the rollout to viewers, pins and unpins only for operators', async () => {
    server = await startTestBoard({ token: VIEWER, operatorToken: OPERATOR, controllerRoutes: {} });
    redis = new Redis(redisUrl());
    const builds = new BuildStore({ redis, prefix: server.prefix });
    for (const [i, hash] of ['a'.repeat(32), 'b'.repeat(32)].entries()) {
      const text = JSON.stringify({ _format_version: '3.0', n: i });
      await builds.save(text, {
        hash,
        revision: i + 1,
        createdAt: new Date().toISOString(),
        sizeBytes: text.length,
        durationMs: 1,
        droppedObjects: 0,
      });
      await builds.advanceDesired(hash, i + 1);
    }

    const view = await call('/api/rollout', VIEWER);
    expect(view.status).toBe(200);
    expect(await view.json()).toMatchObject({ summary: expect.stringContaining('no rollout') });

    // A viewer may not act.
    expect((await call('/api/rollback', VIEWER, {})).status).toBe(403);
    expect((await call('/api/rollout/abort', VIEWER, {})).status).toBe(403);
    expect((await call('/api/rollback', OPERATOR, { hash: 'not a hash' })).status).toBe(400);
    // Nothing to abort: refused with the reason.
    const abort = await call('/api/rollout/abort', OPERATOR, {});
    expect(abort.status).toBe(409);
    expect(await abort.json()).toMatchObject({ ok: false, message: 'no rollout is under way' });

    // The default rollback target: the build before the current one.
    const pinned = await call('/api/rollback', OPERATOR, {});
    expect(pinned.status).toBe(200);
    expect(await pinned.json()).toMatchObject({
      ok: true,
      message: expect.stringContaining(`pinned to ${'a'.repeat(32)}`),
    });
    const rollouts = new RolloutStore({ redis, prefix: server.prefix });
    expect((await rollouts.read()).pin?.hash).toBe('a'.repeat(32));
    expect(await (await call('/api/rollout', VIEWER)).json()).toMatchObject({
      summary: expect.stringContaining(`newest build ${'b'.repeat(32)} not taken`),
    });

    const unpin = await call('/api/rollback/unpin', OPERATOR, {});
    expect(unpin.status).toBe(200);
    expect((await rollouts.read()).pin?.releaseRequestedBy).toBe('POST /api/rollback/unpin');
  });
});
