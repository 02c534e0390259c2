import { settingSpecs } from '../../../workers/settings.ts';

/** How an install covers the settings of `kong-fleet run` (workers/settings.ts). */
export interface SettingsCoverage {
  /** KONG_FLEET_* variables the install sets that are no setting (a typo, or a removed setting). */
  unknown: string[];
  /** Settings neither set nor explained by a `# KONG_FLEET_X: not set` comment. */
  neither: string[];
  /** Settings set and also explained as not set. */
  both: string[];
}

/**
 * Every setting must be set (`envNames`, the controller container's variables) or explained in the
 * install's text (`# KONG_FLEET_X: not set, so …`), never both, and nothing unknown may be set. Used for
 * deploy/controller.yaml and for the chart's values.yaml, so both list every setting.
 */
export function settingsCoverage(envNames: readonly string[], explainingText: string): SettingsCoverage {
  const known = Object.values(settingSpecs).map((spec) => spec.env);
  const set = envNames.filter((name) => name.startsWith('KONG_FLEET_'));
  const explained = [...explainingText.matchAll(/#\s*(KONG_FLEET_[A-Z_]+): not set/g)].map((m) => m[1]!);
  return {
    unknown: set.filter((name) => !known.includes(name)),
    neither: known.filter((name) => !set.includes(name) && !explained.includes(name)),
    both: set.filter((name) => explained.includes(name)),
  };
}
