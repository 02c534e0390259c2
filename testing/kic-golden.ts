import { resolve } from 'node:path';

/**
 * KIC's golden translator fixtures (inputs and the configs real Kong accepted), vendored byte-for-byte
 * from Kong/kubernetes-ingress-controller at the commit in SOURCE.txt (Apache-2.0, LICENSE alongside),
 * so conformance and simulator tests run on any clone.
 */
export const KIC_GOLDEN_DIR = resolve(import.meta.dirname, '../../test/fixtures/kic-golden');
