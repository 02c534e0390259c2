/**
 * Fixed-shape record constructors for the validator's hot path.
 *
 * Why code generation: V8 creates an object literal with a known set of keys in one step and gives every such
 * object the same hidden class. Building the same object by assigning computed keys one at a time goes through
 * megamorphic "add property" transitions, roughly ten times slower, and that was the largest self-time item
 * when validating tens of thousands of entities. The generated function contains nothing but the literal:
 * every key comes from a schema defined in this package and is emitted as a JSON string, so no input data
 * ever reaches the generated source.
 */

/** Returns `(v) => ({ [names[0]]: v[0], [names[1]]: v[1], … })`, keys in the given order. */
export function recordConstructor(
  names: readonly string[],
): (values: readonly unknown[]) => Record<string, unknown> {
  for (const name of names) {
    // `__proto__: x` in a literal sets the prototype instead of defining a key.
    if (name === '__proto__') throw new Error('recordConstructor: "__proto__" cannot be a field name');
  }
  const body = `return {${names.map((name, i) => `${JSON.stringify(name)}: v[${i}]`).join(', ')}};`;
  return new Function('v', body) as (values: readonly unknown[]) => Record<string, unknown>;
}

/**
 * A factory of fresh deep copies of a constant (a default, or the processed form of an absent record), as a
 * generated literal: V8 copies a nested literal from its boilerplate in one step. Undefined when JSON text
 * would not reproduce the value exactly (undefined members, -0, non-finite numbers, non-plain objects).
 */
export function literalFactory(value: unknown): (() => unknown) | undefined {
  if (!reproducibleAsJson(value)) return undefined;
  return new Function(`return ${JSON.stringify(value)};`) as () => unknown;
}

function reproducibleAsJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!(i in value) || !reproducibleAsJson(value[i])) return false;
    return true;
  }
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  const keys = Object.keys(value);
  if (keys.length !== Reflect.ownKeys(value).length) return false;
  for (const key of keys) {
    if (key === '__proto__' || !reproducibleAsJson((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}
