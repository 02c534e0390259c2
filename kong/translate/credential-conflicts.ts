import { getOrInsert } from './collections.ts';
import type { K8sObject } from './k8s-object.ts';

/**
 * KIC's `CredentialConflictsDetector` (`internal/dataplane/kongstate/credentials_conflicts.go`): every credential
 * is indexed by the field Kong keeps unique across consumers; a value held by more than one credential is a
 * conflict, and every consumer holding one of them is left out (Kong would reject the whole config, and no
 * consumer has a better claim than another). ACLs and mTLS credentials have no such field.
 */
const INDEXES: Readonly<Record<string, { field: string; name: string }>> = {
  'key-auth': { field: 'key', name: "key-auth on 'key'" },
  'hmac-auth': { field: 'username', name: "hmac-auth on 'username'" },
  jwt: { field: 'key', name: "jwt-auth on 'key'" },
  'basic-auth': { field: 'username', name: "basic-auth on 'username'" },
  oauth2: { field: 'client_id', name: "oauth2-credentials on 'client_id'" },
};

export interface CredentialConflict {
  /** KIC's message: `conflict detected in "key-auth on 'key'" index`. */
  readonly message: string;
  readonly consumer: K8sObject;
  readonly secret: K8sObject;
}

interface Holder {
  consumer: K8sObject;
  secret: K8sObject;
}

export class CredentialConflicts {
  /** index name → unique value → the credentials holding it. Values are Secret data: never shown. */
  private readonly indexes = new Map<string, Map<string, Holder[]>>();

  /** Records a credential that was built; types without a unique field are ignored. */
  register(
    type: string,
    credential: Readonly<Record<string, unknown>>,
    secret: K8sObject,
    consumer: K8sObject,
  ) {
    const index = INDEXES[type];
    const value = index && credential[index.field];
    if (!index || typeof value !== 'string') return;
    const byValue = getOrInsert(this.indexes, index.name, () => new Map<string, Holder[]>());
    getOrInsert(byValue, value, () => [] as Holder[]).push({ consumer, secret });
  }

  /** Every credential whose unique value another credential also holds, in registration order per index. */
  detect(): CredentialConflict[] {
    const out: CredentialConflict[] = [];
    for (const [name, byValue] of this.indexes) {
      for (const holders of byValue.values()) {
        if (holders.length < 2) continue;
        for (const { consumer, secret } of holders)
          out.push({ message: `conflict detected in "${name}" index`, consumer, secret });
      }
    }
    return out;
  }
}
