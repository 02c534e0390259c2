/**
 * Every reason of a Kubernetes Event the controller writes, declared once with what it means and what
 * to do. Event writers take a reason from here (the recorder accepts nothing else); the README's
 * "Event reasons" table is kept equal to this list by test/unit/readme.test.ts.
 */
export interface EventReasonSpec {
  readonly type: 'Normal' | 'Warning';
  /** Where the Event is attached. */
  readonly on: string;
  readonly meaning: string;
  readonly action: string;
}

export const eventReasons = {
  KongConfigurationTranslationFailed: {
    type: 'Warning',
    on: 'the object',
    meaning:
      'the object (and what depends on it) could not be translated or failed local validation, and was left out of the build',
    action: "fix the object as the message says; the rest of the fleet's config still ships",
  },
  KongConfigurationWarning: {
    type: 'Warning',
    on: 'the object',
    meaning: 'a value of the object was ignored; the rest of the object shipped',
    action: 'correct or remove the value named in the message',
  },
  KongConfigurationRejected: {
    type: 'Warning',
    on: 'the object',
    meaning: 'a proxy answered 400 to a build and named this object: it is excluded until it changes',
    action: 'fix the object; any change to it lifts the exclusion',
  },
  ProxyUnreachable: {
    type: 'Warning',
    on: 'the ProxyInstance',
    meaning: 'the proxy did not answer the drift check (GET /status)',
    action: 'check the proxy pod and the network path to its Admin API',
  },
  ProxyDrifted: {
    type: 'Warning',
    on: 'the ProxyInstance',
    meaning:
      'the proxy runs a configuration other than the desired build (lost it, an older build, or a foreign push); the message says what the drift check did',
    action: 'none in enforce mode (it is re-pushed); in warn mode, find who changed the proxy',
  },
  RolloutStepPromoted: {
    type: 'Normal',
    on: 'the ProxyFleet',
    meaning:
      "a rollout step's proxies served the new build healthily (or were promoted by hand): the next step's proxies get it",
    action: 'none; `kong-fleet rollout status` shows the progress',
  },
  RolloutCompleted: {
    type: 'Normal',
    on: 'the ProxyFleet',
    meaning: 'the last rollout step passed: every proxy gets the new build',
    action: 'none',
  },
  RolloutHalted: {
    type: 'Warning',
    on: 'the ProxyFleet',
    meaning:
      "a rollout step's proxies were unhealthy (5xx rate, a rejected push, unreachable, or not synced in time): no further proxy gets the build",
    action:
      'look at the canaries; `kong-fleet rollout abort` returns them to the previous build, `promote` goes on anyway',
  },
  RolloutAborted: {
    type: 'Warning',
    on: 'the ProxyFleet',
    meaning: 'a rollout was aborted: every proxy returns to the previous build',
    action: 'fix the change; the next build starts a new rollout',
  },
  FleetPinned: {
    type: 'Normal',
    on: 'the ProxyFleet',
    meaning: 'the fleet was pinned to an earlier build (`kong-fleet rollback`): it takes no new builds',
    action: '`kong-fleet rollback --unpin` when the fleet may take new builds again',
  },
  FleetUnpinned: {
    type: 'Normal',
    on: 'the ProxyFleet',
    meaning: 'the pin was lifted: the newest build goes out (through a rollout where `spec.rollout` is set)',
    action: 'none',
  },
} as const satisfies Record<string, EventReasonSpec>;

export type EventReason = keyof typeof eventReasons;

/** The README table (reason, type, on, meaning, what to do). */
export function eventReasonsMarkdown(): string {
  const rows = Object.entries(eventReasons).map(
    ([reason, spec]) => `| \`${reason}\` | ${spec.type} | ${spec.on} | ${spec.meaning} | ${spec.action} |`,
  );
  return ['| reason | type | on | what it means | what to do |', '|---|---|---|---|---|', ...rows].join('\n');
}
