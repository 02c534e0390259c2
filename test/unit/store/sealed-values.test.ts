import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseKeyRing, SealedValueError, SealedValues } from '../../../queue/store/sealed-values.ts';

const line = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const sealer = (text: string) => new SealedValues(() => parseKeyRing(text));

describe('sealed values (AES-256-GCM at rest)', () => {
  const k1 = line('k1');
  const k2 = line('k2');
  const secret = '{"data":{"password":"aHVudGVyMg=="}}';

  it('seals with the first key, names it, and opens with any key of the ring', () => {
    const sealed = sealer(k1).seal(secret);
    expect(sealed).toMatch(/^kfs1:k1:/);
    expect(sealed).not.toContain('aHVudGVyMg');
    expect(SealedValues.keyIdOf(sealed)).toBe('k1');
    // Rotated: k2 writes, k1 still reads.
    const rotated = sealer(`${k2}\n# previous key\n${k1}\n`);
    expect(rotated.open(sealed)).toBe(secret);
    expect(rotated.seal(secret)).toMatch(/^kfs1:k2:/);
    // k1 removed: its values no longer open, with a message naming the key, not its bytes.
    expect(() => sealer(k2).open(sealed)).toThrow(SealedValueError);
    expect(() => sealer(k2).open(sealed)).toThrow(/key "k1"/);
  });

  it('is deterministic only when asked to (stores compare unchanged objects by their stored text)', () => {
    const s = sealer(k1);
    expect(s.seal(secret, { deterministic: true })).toBe(s.seal(secret, { deterministic: true }));
    expect(s.seal(secret)).not.toBe(s.seal(secret));
    expect(s.seal('other', { deterministic: true })).not.toBe(s.seal(secret, { deterministic: true }));
  });

  it('refuses tampered ciphertext and a ciphertext moved under another key id', () => {
    const s = sealer(`${k1}\n${k2}`);
    const sealed = s.seal(secret);
    const body = sealed.slice('kfs1:k1:'.length);
    // One bit of the sealed bytes flipped (editing a base64 character could land on padding bits).
    const bytes = Buffer.from(body, 'base64url');
    bytes[bytes.length >> 1]! ^= 1;
    const flipped = `kfs1:k1:${bytes.toString('base64url')}`;
    expect(() => s.open(flipped)).toThrow(/does not authenticate/);
    expect(() => s.open(`kfs1:k2:${body}`)).toThrow(/does not authenticate/);
  });

  it('reads plaintext from before encryption was turned on, and stores plaintext without a key', () => {
    expect(sealer(k1).open(secret)).toBe(secret);
    expect(SealedValues.plaintext.seal(secret)).toBe(secret);
    expect(() => SealedValues.plaintext.open(sealer(k1).seal(secret))).toThrow(/not in the key ring/);
  });

  it('rejects key files that cannot be right, naming the line and never the key', () => {
    expect(() => parseKeyRing('')).toThrow(/no key/);
    expect(() => parseKeyRing('k1:c2hvcnQ=')).toThrow(/line 1 \(key k1\): expected 32 bytes, got 5/);
    expect(() => parseKeyRing(`${k1}\n${k1}`)).toThrow(/repeats/);
    expect(() => parseKeyRing('just-a-key')).toThrow(/line 1: expected <id>:<base64 key>/);
  });
});
