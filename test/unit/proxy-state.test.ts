import { describe, expect, it } from 'vitest';
import { viewOfProxy } from '../../jobs/proxy-state.ts';

const now = Date.parse('2026-11-26T12:00:00Z');
const ago = (seconds: number) => new Date(now - seconds * 1000).toISOString();
const desired = 'a'.repeat(32);
const stale = 30_000;

describe('viewOfProxy', () => {
  it.each([
    [
      'synced and fresh',
      { actualHash: desired, actualHashAt: ago(5), lastSeenAt: ago(5), lastPushAt: ago(60) },
      'Synced',
      'True',
      'True',
    ],
    [
      'answers, but its hash was last read outside the window (it may have restarted empty)',
      { actualHash: desired, actualHashAt: ago(120), lastSeenAt: ago(1), lastPushAt: ago(200) },
      'Unknown',
      'True',
      'Unknown',
    ],
    [
      'answers, and its hash was never read with a time (recorded before reads were timed)',
      { actualHash: desired, lastSeenAt: ago(1), lastPushAt: ago(60) },
      'Unknown',
      'True',
      'Unknown',
    ],
    [
      'a dead proxy never looks healthy or synced, whatever it last reported',
      { actualHash: desired, actualHashAt: ago(120), lastSeenAt: ago(120), lastPushAt: ago(200) },
      'Unreachable',
      'False',
      'Unknown',
    ],
    ['never answered', {}, 'NeverSynced', 'False', 'False'],
    [
      'seen but never pushed to',
      { actualHash: '0'.repeat(32), lastSeenAt: ago(1) },
      'NeverSynced',
      'True',
      'False',
    ],
    [
      'running an older build',
      { actualHash: 'b'.repeat(32), lastSeenAt: ago(1), lastPushAt: ago(100) },
      'Pending',
      'True',
      'False',
    ],
    [
      'rejected this build',
      {
        state: 'Rejected' as const,
        rejectedHash: desired,
        actualHash: 'b'.repeat(32),
        lastSeenAt: ago(1),
        lastPushAt: ago(2),
      },
      'Rejected',
      'True',
      'False',
    ],
    [
      'too old a Kong',
      { state: 'Incompatible' as const, lastSeenAt: ago(1), lastError: 'Kong 3.3.0 is older than 3.4.1' },
      'Incompatible',
      'False',
      'False',
    ],
  ])('%s', (_label, status, state, ready, synced) => {
    const view = viewOfProxy(status, desired, now, stale);
    expect(view.state).toBe(state);
    expect(view.conditions.find((c) => c.type === 'Ready')?.status).toBe(ready);
    expect(view.conditions.find((c) => c.type === 'Synced')?.status).toBe(synced);
  });

  it('says Pending, and why, while the proxy waits for a build made for its Kong (issue 20)', () => {
    const why = `waiting for a build made for Kong 3.9.1 (traditional_compatible, community): build ${desired} was made for other Kong versions or routers`;
    const view = viewOfProxy(
      { state: 'Pending', awaitingBuild: why, actualHash: '0'.repeat(32), lastSeenAt: ago(1) },
      desired,
      now,
      stale,
    );
    expect(view.state).toBe('Pending');
    expect(view.conditions.find((c) => c.type === 'Synced')).toMatchObject({
      status: 'False',
      reason: 'AwaitingBuild',
      message: `runs ${'0'.repeat(32)}, desired ${desired}: ${why}`,
    });
  });

  it('says Unknown when nothing has been built yet', () => {
    const view = viewOfProxy({ lastSeenAt: ago(1) }, undefined, now, stale);
    expect(view.conditions.find((c) => c.type === 'Synced')).toMatchObject({
      status: 'Unknown',
      reason: 'NoBuild',
    });
  });
});
