import { load } from 'js-yaml';
import { loadConfig } from './index';
import type { SentinelConfig } from './types';

/**
 * `loadConfig` for the local stack, the CLI and the CDK app: the same parsing and validation,
 * with YAML files allowed (js-yaml). Kept apart so Lambda bundles carry no YAML parser.
 */
export function loadLocalConfig(env: Record<string, string | undefined> = process.env): SentinelConfig {
  return loadConfig(env, { parseYaml: (text) => load(text) });
}
