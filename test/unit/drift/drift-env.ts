/**
 * Test environment for the drift scan: simulated ArgoCD instances served in-process (the
 * simulator's own request handler through `inProcessTransport`, no socket; or, with
 * `transport: 'http'`, over real HTTP), the real ArgoCD registry (tokens through a
 * SecretsProvider), the in-memory drift state store (or, with `store: 'dynamodb'`, the DynamoDB
 * adapter on dynalite tables) and an in-memory audit store, with a clock the test moves.
 */
import { createArgoCDClients, type ArgoCDRegistry } from '../../../functions/lib/argocd';
import type { AuditKind, AuditRecord } from '../../../functions/lib/audit/types';
import { defaults } from '../../../functions/lib/config/defaults';
import type { DriftConfig, SecretRef } from '../../../functions/lib/config/types';
import { DynamoDBDriftStateStore, type DriftDeps, type DriftMetricUnit } from '../../../functions/lib/drift';
import { quietLogger } from '../../../functions/lib/observability/simple-logger';
import type { SecretsProvider } from '../../../functions/lib/secrets/types';
import {
  ArgoCDSimulator,
  inProcessTransport,
  startArgoCDSimulator,
  type ArgoCDSimulatorOptions,
  type SeedApp,
  type SeedInstance,
} from '../../../local/argocd-sim';
import { createTestTables } from '../../helpers/dynamo';
import { InMemoryAuditStore } from '../../helpers/in-memory-audit-store';
import { InMemoryDriftStateStore } from '../../helpers/in-memory-drift-state-store';

/** Options of {@link startDriftEnv}. */
export interface DriftEnvOptions {
  /** Seed per instance name (instances are configured in this order). */
  instances: Record<string, SeedInstance>;
  drift?: Partial<DriftConfig>;
  /** Replaces the token source (default: each sim's current token). */
  secrets?: SecretsProvider;
  /** Client settings. */
  argocd?: Partial<{ timeoutMs: number; retries: number; backoffMs: number; concurrency: number }>;
  /** Where drift state lives. @default 'memory' */
  store?: 'memory' | 'dynamodb';
  /** How the clients reach the simulators: in-process, or over HTTP on 127.0.0.1. @default 'in-process' */
  transport?: 'in-process' | 'http';
}

/** One simulated instance: its state and controller API, and how to stop it. */
interface DriftEnvSim {
  sim: ArgoCDSimulator;
  /** Base URL the client is configured with (a server that only the in-process transport answers for). */
  url: string;
  close(): Promise<void>;
}

/** A running environment. */
export interface DriftEnv {
  sims: Record<string, DriftEnvSim>;
  registry: ArgoCDRegistry;
  deps: DriftDeps;
  audit: InMemoryAuditStore;
  metrics: Array<{ name: string; unit: DriftMetricUnit; value: number }>;
  /** Moves the scan clock forward. */
  advanceMinutes(minutes: number): void;
  /** Audit records of one kind (optionally for one app). */
  records(kind: AuditKind, app?: string): AuditRecord[];
  /** Requests every sim received (admin routes are not recorded). */
  requestCount(): number;
  clearRequests(): void;
  close(): Promise<void>;
}

/** The default `Deployment` + `Service` app with a source on `main`. */
export function app(name: string, extra: Partial<SeedApp> = {}): SeedApp {
  return { name, source: { repoURL: `https://github.com/acme/${name}.git`, path: '.', targetRevision: 'main' }, history: 2, ...extra };
}

/** Drift of `spec.replicas` on the app's Deployment. */
export function replicasDrift(name: string, value = 5) {
  return { kind: 'Deployment', name, field: 'spec.replicas', value };
}

/** Starts one simulator per instance, a registry aimed at them, fresh tables. */
export async function startDriftEnv(options: DriftEnvOptions): Promise<DriftEnv> {
  const inProcess = options.transport !== 'http';
  const sims: Record<string, DriftEnvSim> = {};
  for (const [name, seed] of Object.entries(options.instances)) {
    const simOptions: ArgoCDSimulatorOptions = { instance: name, seed, syncDurationMs: 20, token: `tok-${name}-0123456789` };
    if (inProcess) {
      const sim = new ArgoCDSimulator(simOptions);
      // `.invalid` (RFC 6761): nothing answers for it but the in-process transport.
      sims[name] = { sim, url: `http://${name}.argocd.invalid`, close: async () => sim.close() };
    } else sims[name] = await startArgoCDSimulator(simOptions);
  }
  const tables = options.store === 'dynamodb' ? await createTestTables('drift') : undefined;
  const secrets: SecretsProvider = options.secrets ?? {
    get: async (ref: SecretRef) => sims[String(ref.env)].sim.acceptedToken,
    refresh: async (ref: SecretRef) => sims[String(ref.env)].sim.acceptedToken,
  };
  const registry = createArgoCDClients(
    {
      instances: Object.keys(sims).map((name) => ({ name, server: sims[name].url, token: { env: name }, insecure: false, namespace: 'argocd' })),
      argocd: { timeoutMs: 2000, retries: 1, backoffMs: 1, concurrency: 16, ...options.argocd },
    },
    secrets,
    {
      logger: { warn: () => undefined, error: () => undefined, info: () => undefined },
      ...(inProcess ? { transportFor: (name: string) => inProcessTransport(sims[name].sim) } : {}),
    },
  );
  let clock = new Date('2025-06-02T10:00:00.000Z').getTime();
  const audit = new InMemoryAuditStore({ now: () => new Date(clock) });
  const metrics: DriftEnv['metrics'] = [];
  const deps: DriftDeps = {
    config: { drift: { ...defaults.drift, ...options.drift } },
    driftState: tables ? new DynamoDBDriftStateStore(tables.doc, tables.names.state) : new InMemoryDriftStateStore(),
    auditStore: audit,
    log: quietLogger,
    argocd: registry,
    now: () => new Date(clock),
    metrics: { addMetric: (name, unit, value) => metrics.push({ name, unit, value }) },
  };
  return {
    sims,
    registry,
    deps,
    audit,
    metrics,
    advanceMinutes: (m) => {
      clock += m * 60_000;
    },
    records: (kind, appName) => audit.records().filter((r) => r.kind === kind && (appName === undefined || r.app === appName)),
    requestCount: () => Object.values(sims).reduce((n, s) => n + s.sim.requests.length, 0),
    clearRequests: () => Object.values(sims).forEach((s) => s.sim.clearRequests()),
    close: async () => {
      registry.close();
      await Promise.all(Object.values(sims).map((s) => s.close()));
      tables?.client.destroy();
    },
  };
}
