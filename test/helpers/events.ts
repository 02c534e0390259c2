import { eventually } from './eventually.ts';
import { kubectl } from './kube.ts';

export interface RecordedEvent {
  readonly reason: string;
  readonly message: string;
}

/** The Events on the object `name` of `namespace`, read with kubectl once there is at least one. */
export async function eventsOn(
  namespace: string,
  name: string,
  timeoutMs = 20_000,
): Promise<RecordedEvent[]> {
  return eventually(
    async () => {
      const out = await kubectl([
        'get',
        'events',
        '-n',
        namespace,
        '--field-selector',
        `involvedObject.name=${name}`,
        '-o',
        'json',
      ]);
      const items = (JSON.parse(out) as { items: RecordedEvent[] }).items;
      return items.length > 0 ? items : undefined;
    },
    { timeoutMs, description: `an Event on ${namespace}/${name}` },
  );
}
