/**
 * Several ArgoCD instances by name: builds one {@link ArgoCDClient} per configured
 * instance, with its token read (and refreshed after a 401) through the secrets provider.
 */
import { tokenFor } from '../config/index';
import type { ArgoCDClientSettings, InstanceConfig, TokenPurpose } from '../config/types';
import type { SecretsProvider } from '../secrets/types';
import { ArgoCDClient } from './client';
import type { PartialLogger } from '../observability/simple-logger';
import type { ArgoCDClientOptions } from './types';

/** The slice of the configuration the registry needs. */
export interface ArgoCDRegistryConfig {
  instances: InstanceConfig[];
  argocd: ArgoCDClientSettings;
}

/** Extra options for {@link createArgoCDClients}. */
export interface CreateArgoCDClientsOptions {
  /** Partial logger handed to every client. */
  logger?: PartialLogger;
  /** Whose token the clients use: the instance's `tokens[purpose]`, else its `token`. @default the one token */
  purpose?: TokenPurpose;
  /** The transport of each instance's client (see `ArgoCDClientOptions.transport`). @default node:http for every instance */
  transportFor?: (instance: string) => ArgoCDClientOptions['transport'];
}

/** Clients by instance name. */
export class ArgoCDRegistry {
  private readonly clients = new Map<string, ArgoCDClient>();

  /** @param clients one client per instance; names must be unique */
  constructor(clients: Iterable<ArgoCDClient>) {
    for (const c of clients) {
      if (this.clients.has(c.name)) throw new TypeError(`[gitops-sentinel/argocd] duplicate instance name "${c.name}"`);
      this.clients.set(c.name, c);
    }
  }

  /** Instance names, in configuration order. */
  get names(): string[] {
    return [...this.clients.keys()];
  }

  /** Whether an instance of that name is configured. */
  has(name: string): boolean {
    return this.clients.has(name);
  }

  /**
   * The client of one instance.
   * @throws TypeError when no instance has that name
   */
  get(name: string): ArgoCDClient {
    const c = this.clients.get(name);
    if (!c) throw new TypeError(`[gitops-sentinel/argocd] unknown ArgoCD instance "${name}" (configured: ${this.names.join(', ') || 'none'})`);
    return c;
  }

  /** All clients, in configuration order. */
  all(): ArgoCDClient[] {
    return [...this.clients.values()];
  }

  /** Closes every client's keep-alive sockets. */
  close(): void {
    for (const c of this.clients.values()) c.close();
  }
}

/**
 * Builds the registry from the validated config and a secrets provider: each client
 * calls `secrets.get(instance.token)` per call (the provider caches) and
 * `secrets.refresh(instance.token)` once after a 401.
 */
export function createArgoCDClients(config: ArgoCDRegistryConfig, secrets: SecretsProvider, options: CreateArgoCDClientsOptions = {}): ArgoCDRegistry {
  return new ArgoCDRegistry(
    config.instances.map(
      (inst) =>
        new ArgoCDClient({
          name: inst.name,
          server: inst.server,
          insecure: inst.insecure,
          namespace: inst.namespace,
          getToken: () => secrets.get(tokenFor(inst, options.purpose)),
          refreshToken: () => secrets.refresh(tokenFor(inst, options.purpose)),
          timeoutMs: config.argocd.timeoutMs,
          retries: config.argocd.retries,
          backoffMs: config.argocd.backoffMs,
          concurrency: config.argocd.concurrency,
          ratePerSecond: config.argocd.ratePerSecond,
          refreshWaitMs: config.argocd.refreshWaitMs,
          logger: options.logger,
          transport: options.transportFor?.(inst.name),
        }),
    ),
  );
}
