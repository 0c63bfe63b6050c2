/**
 * Deployed configuration from AWS Systems Manager Parameter Store (advanced tier, up to 8 KB;
 * the CDK app gzips larger configurations), read through Powertools Parameters with a cache:
 * a changed parameter takes effect within `maxAgeSeconds`, without a function deploy. The
 * value is validated with the same schema as everywhere else (`loadConfig`); a bad value that
 * bypassed synth is refused and the last good configuration stays in effect.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { DEFAULT_CONFIG_MAX_AGE_SECONDS, GZIP_PREFIX } from './defaults';
import { ConfigError } from './errors';
import { loadConfig } from './index';
import type { SentinelConfig } from './types';

export { GZIP_PREFIX, DEFAULT_CONFIG_MAX_AGE_SECONDS };

/** One version of the configuration, as a function uses it. */
export interface ConfigSnapshot {
  config: SentinelConfig;
  /** The parameter's version number, as a string. */
  version: string;
  /** SHA-256 (hex) of the configuration JSON. */
  hash: string;
}

/** Options of {@link ParameterConfigSource}. */
export interface ParameterConfigSourceOptions {
  /** Parameter name or ARN (`SENTINEL_CONFIG_PARAMETER`). */
  name: string;
  /** @default 60 (`SENTINEL_CONFIG_MAX_AGE_SECONDS`) */
  maxAgeSeconds?: number;
  /** The rest of the environment (`loadConfig` reads table prefix, region and queue URL from it). */
  env: Record<string, string | undefined>;
  /** An SSM client (tests pass one mocked with aws-sdk-client-mock). @default one for the region in `env` */
  client?: SSMClient;
  /** Told when a value is refused and the last good one kept. */
  onInvalid?: (error: ConfigError) => void;
}

/**
 * `SSMProvider` that keeps the parameter's version beside its value, so a function can say
 * which version it runs. The value Powertools caches is `{"version","value"}` as JSON.
 */
class VersionedSSMProvider extends SSMProvider {
  protected override async _get(name: string): Promise<string | undefined> {
    const res = await this.client.send(new GetParameterCommand({ Name: name }));
    if (res.Parameter?.Value === undefined) return undefined;
    return JSON.stringify({ version: String(res.Parameter.Version ?? ''), value: res.Parameter.Value });
  }
}

/** Decodes a parameter value: JSON, or `gz:` + base64 of gzipped JSON. */
export function decodeConfigValue(value: string): string {
  return value.startsWith(GZIP_PREFIX) ? gunzipSync(Buffer.from(value.slice(GZIP_PREFIX.length), 'base64')).toString('utf8') : value;
}

/** The configuration in effect, read from a parameter and re-read once the cached copy is older than `maxAgeSeconds`. */
export class ParameterConfigSource {
  readonly name: string;
  readonly maxAgeSeconds: number;
  private readonly provider: SSMProvider;
  private readonly env: Record<string, string | undefined>;
  private readonly onInvalid?: (error: ConfigError) => void;
  private last?: ConfigSnapshot;
  private lastRaw?: string;

  constructor(options: ParameterConfigSourceOptions) {
    this.name = options.name;
    this.maxAgeSeconds = options.maxAgeSeconds ?? DEFAULT_CONFIG_MAX_AGE_SECONDS;
    this.env = options.env;
    this.onInvalid = options.onInvalid;
    this.provider = options.client
      ? new VersionedSSMProvider({ awsSdkV3Client: options.client })
      : new VersionedSSMProvider({ clientConfig: { region: options.env.AWS_REGION } });
  }

  /**
   * The current configuration: from the cache while it is fresh, else read again.
   * @throws ConfigError on the first read when the parameter is missing or invalid
   */
  async current(): Promise<ConfigSnapshot> {
    const raw = await this.provider.get<string>(this.name, { maxAge: this.maxAgeSeconds });
    if (raw === this.lastRaw && this.last) return this.last;
    try {
      if (raw === undefined) throw new ConfigError('SENTINEL_CONFIG_PARAMETER', 'environment', `parameter ${this.name} has no value`);
      const { version, value } = JSON.parse(raw) as { version: string; value: string };
      const json = decodeConfigValue(value);
      const config = loadConfig({ ...this.env, SENTINEL_CONFIG: undefined, SENTINEL_CONFIG_JSON: json });
      this.last = { config, version, hash: createHash('sha256').update(json).digest('hex') };
      this.lastRaw = raw;
      return this.last;
    } catch (error) {
      const err =
        error instanceof ConfigError
          ? error
          : new ConfigError('SENTINEL_CONFIG_PARAMETER', 'environment', `parameter ${this.name} cannot be read as configuration`, { cause: error });
      if (!this.last) throw err;
      // Keep running on the last good configuration; remember the bad value so it is not re-parsed until it changes.
      this.lastRaw = raw;
      this.onInvalid?.(err);
      return this.last;
    }
  }
}
