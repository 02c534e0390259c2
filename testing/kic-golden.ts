import { locateOracle } from '@kong-fleet/kong-dbless/conformance';

/**
 * KIC's golden translator fixtures (inputs and the configs real Kong accepted), read in place from
 * `shared/conformance/kic-golden` beside the repository; never vendored. Undefined where absent (then
 * the suites that need them skip with KIC_GOLDEN_MISSING as their one line).
 */
const location = locateOracle('kic-golden', import.meta.dirname);
export const KIC_GOLDEN_DIR = location.dir;
export const KIC_GOLDEN_MISSING = location.missing;
