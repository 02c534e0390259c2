import { describe, expect, it } from 'vitest';
import { isUuid, kongEntityId, uuidv5 } from '../src/uuid.ts';

describe('deterministic Kong IDs', () => {
  it('matches the RFC 4122 v5 vector for the DNS namespace', () => {
    expect(uuidv5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it.each([
    ['services', 'some.service.name', 'd9bee1f8-db6e-5a37-9281-fd4aca16dc00'],
    ['routes', 'some.service.name', '7f0753cd-bff2-5f74-85b0-e8e2057d9500'],
    ['consumers', 'some.username', '782780c4-d345-5682-bdf6-722dccaf93e0'],
    ['services', 'foo-namespace.foo-svc.80', 'fe1e2edc-5479-52fe-b0f4-b90d8d5f83ba'],
    ['routes', 'foo-namespace.foo.foo-svc.example.com.80', '3eee2c18-8fcc-5661-8f84-5c89adfa404f'],
  ])('derives the go-kong/KIC id of %s %s', (collection, key, expected) => {
    expect(kongEntityId(collection, key)).toBe(expected);
  });

  it('recognises UUIDs case-insensitively and rejects anything else', () => {
    expect(isUuid('FE1E2EDC-5479-52FE-B0F4-B90D8D5F83BA')).toBe(true);
    expect(isUuid('fe1e2edc-5479-52fe-b0f4-b90d8d5f83b')).toBe(false);
    expect(isUuid(42)).toBe(false);
  });
});
