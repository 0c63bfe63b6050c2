/**
 * Test helpers for the ArgoCD client and simulator: wait on a condition (no sleeps for
 * timing), and start a simulator with a client aimed at it.
 */
import { ArgoCDClient, type ArgoCDClientOptions } from '../../functions/lib/argocd';
import { startArgoCDSimulator, type StartArgoCDSimulatorOptions, type StartedArgoCDSimulator } from '../../local/argocd-sim';

/**
 * Resolves once `predicate` returns true (polling every `intervalMs`), rejects after `timeoutMs`.
 * @param what described in the timeout error
 */
export async function waitFor(predicate: () => boolean | Promise<boolean>, what = 'condition', timeoutMs = 5000, intervalMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A simulator plus a client for it; `close()` stops both. */
export interface SimAndClient extends StartedArgoCDSimulator {
  client: ArgoCDClient;
  /** Builds another client for the same simulator. */
  makeClient(options?: Partial<ArgoCDClientOptions>): ArgoCDClient;
}

/** Starts a simulator and a fast-retrying client named `default` aimed at it. */
export async function startSimWithClient(
  simOptions: StartArgoCDSimulatorOptions = {},
  clientOptions: Partial<ArgoCDClientOptions> = {},
): Promise<SimAndClient> {
  const started = await startArgoCDSimulator({ syncDurationMs: 20, token: 'sim-token-0123456789', ...simOptions });
  const clients: ArgoCDClient[] = [];
  const makeClient = (o: Partial<ArgoCDClientOptions> = {}): ArgoCDClient => {
    const c = new ArgoCDClient({
      name: 'default',
      server: started.url,
      getToken: async () => started.token,
      retries: 2,
      backoffMs: 1,
      timeoutMs: 2000,
      logger: { warn: () => undefined, error: () => undefined },
      ...clientOptions,
      ...o,
    });
    clients.push(c);
    return c;
  };
  const client = makeClient();
  return {
    ...started,
    client,
    makeClient,
    close: async () => {
      clients.forEach((c) => c.close());
      await started.close();
    },
  };
}
