/**
 * One instance of a costly test service (the control plane, redis-server) for every vitest project
 * that asks for it in a run. Vitest calls each project's global setup separately, possibly through
 * separate module instances, so the shared state lives on globalThis; the last project to finish
 * stops the service.
 */
interface Shared<T> {
  started: Promise<T>;
  users: number;
  stop: (value: T) => Promise<void>;
}

const holder = globalThis as { __kongFleetTestServices?: Map<string, Shared<unknown>> };
holder.__kongFleetTestServices ??= new Map();
const registry = holder.__kongFleetTestServices;

export async function acquireSharedService<T>(
  name: string,
  start: () => Promise<T>,
  stop: (value: T) => Promise<void>,
): Promise<{ value: T; release: () => Promise<void> }> {
  let entry = registry.get(name) as Shared<T> | undefined;
  if (!entry) {
    entry = { started: start(), users: 0, stop };
    registry.set(name, entry as Shared<unknown>);
    entry.started.catch(() => registry.delete(name));
  }
  entry.users += 1;
  const value = await entry.started;
  const own = entry;
  let released = false;
  return {
    value,
    release: async () => {
      if (released) return;
      released = true;
      own.users -= 1;
      if (own.users > 0) return;
      registry.delete(name);
      await own.stop(value);
    },
  };
}
