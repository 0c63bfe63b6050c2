/**
 * The ArgoCD simulator: a development and test tool that speaks the REST subset
 * gitops-sentinel uses, faithful to ArgoCD's swagger.json. The product never depends on
 * it when `ARGOCD_SERVER` is set.
 */
import { DEMO_SEED_PATH, loadSeedFile } from './seed';
import { startArgoCDSimulator, type StartArgoCDSimulatorOptions, type StartedArgoCDSimulator } from './server';
import type { SeedFile } from './types';

export {
  ArgoCDSimulator,
  SimError,
  HISTORY_LIMIT,
  fakeSha,
  httpStatusFromGrpc,
  matchesSelector,
  type RecordedRefresh,
  type SimListFilter,
  type SimSyncRequest,
} from './simulator';
export type { SimOutcome } from './core';
export type { SimApplicationTree, SimResourceNode, SimResourceRef, ResourceTreeFilter } from './resource-tree';
export { DEFAULT_FAULT_SEED } from './faults';
export { REFRESH_ANNOTATION, type ControllerStats } from './controller';
export { SELECTABLE_APP_FIELDS, parseFieldSelection, projectApp, type FieldSelection } from './projection';
export type { TrafficStats } from './request-log';
export { AppSetWebhookReceiver, startAppSetWebhook, type AppSetWebhookSecrets, type RecordedAppSetDelivery, type StartedAppSetWebhook } from './appset-webhook';
export { startArgoCDSimulator, createSimulatorHandler, type StartArgoCDSimulatorOptions, type StartedArgoCDSimulator } from './server';
export { inProcessTransport } from './in-process';
export { DEMO_SEED_PATH, loadSeedFile, generateSyntheticSeed, type SyntheticSeedOptions } from './seed';
export { evaluateSyncWindows, isWindowActive, parseCron, cronMatches, parseGoDuration, windowMatchesApp, type SyncWindowsEvaluation } from './sync-windows';
export type * from './types';

/** Several running simulators, one per seeded instance. */
export interface StartedSimulators {
  /** Simulators by instance name. */
  instances: Record<string, StartedArgoCDSimulator>;
  /** Stops them all. */
  close(): Promise<void>;
}

/**
 * Starts one simulator per instance of a seed (a {@link SeedFile} or a YAML path; default
 * the demo seed), each on its own free port on 127.0.0.1.
 * @param options applied to every instance (`instance` and `seed` are set per instance)
 */
export async function startSimulators(
  seed: SeedFile | string = DEMO_SEED_PATH,
  options: Omit<StartArgoCDSimulatorOptions, 'seed' | 'instance'> = {},
): Promise<StartedSimulators> {
  const file = typeof seed === 'string' ? loadSeedFile(seed) : seed;
  const instances: Record<string, StartedArgoCDSimulator> = {};
  try {
    for (const [name, inst] of Object.entries(file.instances)) {
      instances[name] = await startArgoCDSimulator({ ...options, instance: name, seed: inst });
    }
  } catch (err) {
    await Promise.all(Object.values(instances).map((s) => s.close()));
    throw err;
  }
  return {
    instances,
    close: async () => {
      await Promise.all(Object.values(instances).map((s) => s.close()));
    },
  };
}
