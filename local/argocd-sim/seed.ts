/**
 * Seeds for the simulator: the demo YAML (`local/seed/demo-apps.yaml`), a deterministic
 * generator of N synthetic apps for benchmarks, and loading a seed into an instance (an app
 * from the seed shorthand arrives deployed, with history and an operation state).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import yaml from 'js-yaml';
import type { V1alpha1Application, V1alpha1ApplicationSpec, V1alpha1RevisionHistory } from '../../functions/lib/argocd/generated/models';
import { appKey, clone, fakeSha, HISTORY_LIMIT, sourcesOf, type SimState } from './core';
import { applyDrift } from './drift';
import { historyEntry, syncOpOf } from './operations';
import { addProject } from './projects';
import { resolveRevision } from './revisions';
import { buildSimApp, recompute, render } from './status';
import type { SeedApp, SeedFile, SeedInstance } from './types';

/** Path of the demo seed shipped with the repo. */
export const DEMO_SEED_PATH = resolve(__dirname, '../seed/demo-apps.yaml');

/**
 * Reads and checks a seed YAML file.
 * @throws Error naming the file and the problem
 */
export function loadSeedFile(path: string = DEMO_SEED_PATH): SeedFile {
  const doc = yaml.load(readFileSync(path, 'utf8')) as SeedFile | undefined;
  if (!doc || typeof doc !== 'object' || !doc.instances || typeof doc.instances !== 'object') {
    throw new Error(`[gitops-sentinel/argocd-sim] ${path}: expected a top-level "instances" map`);
  }
  for (const [name, inst] of Object.entries(doc.instances)) {
    for (const [i, app] of (inst.apps ?? []).entries()) {
      if (!app?.name) throw new Error(`[gitops-sentinel/argocd-sim] ${path}: instances.${name}.apps[${i}] needs a name`);
      if (!app.source && !app.sources?.length) throw new Error(`[gitops-sentinel/argocd-sim] ${path}: app ${name}/${app.name} needs source or sources`);
    }
  }
  return doc;
}

/** Options of {@link generateSyntheticSeed}. */
export interface SyntheticSeedOptions {
  /** Total apps across all instances. */
  apps: number;
  /** Number of instances (`inst-0`, `inst-1`, ...). @default 1 */
  instances?: number;
  /** Projects per instance. @default 10 */
  projects?: number;
  /** Distinct Git repos the apps use. @default max(1, apps / 20) */
  repos?: number;
  /** PRNG seed, so runs are repeatable. @default 42 */
  seed?: number;
  /** Share of apps with auto-sync. @default 0.5 */
  autoSyncShare?: number;
  /** Share of apps created drifted. @default 0.02 */
  driftShare?: number;
}

/** mulberry32: a small seeded PRNG, so generated data is the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Generates a seed of N small apps spread over several instances, with projects, repos
 * shared by ~20 apps each, labels, a mix of auto-sync, annotations and a few drifted apps.
 */
export function generateSyntheticSeed(options: SyntheticSeedOptions): SeedFile {
  const rnd = prng(options.seed ?? 42);
  const nInst = Math.max(1, options.instances ?? 1);
  const nProj = Math.max(1, options.projects ?? 10);
  const nRepos = Math.max(1, options.repos ?? Math.ceil(options.apps / 20));
  const instances: Record<string, SeedInstance> = {};
  for (let i = 0; i < nInst; i++) {
    instances[`inst-${i}`] = { projects: Array.from({ length: nProj }, (_, p) => ({ name: `team-${p}` })), apps: [] };
  }
  for (let n = 0; n < options.apps; n++) {
    const inst = instances[`inst-${n % nInst}`];
    const repo = Math.floor(rnd() * nRepos);
    const auto = rnd() < (options.autoSyncShare ?? 0.5);
    const name = `app-${n}`;
    const app: SeedApp = {
      name,
      project: `team-${n % nProj}`,
      labels: { team: `team-${n % nProj}`, env: ['dev', 'staging', 'prod'][n % 3] },
      source: { repoURL: `https://github.com/synthetic/repo-${repo}.git`, path: `apps/${name}`, targetRevision: n % 7 === 0 ? 'HEAD' : 'main' },
      destination: { server: 'https://kubernetes.default.svc', namespace: `ns-${n % 50}` },
      resources: [{ kind: 'Deployment', name, image: `ghcr.io/synthetic/${name}` }],
      ...(auto ? { syncPolicy: { automated: { prune: true, selfHeal: rnd() < 0.5 } } } : {}),
      ...(n % 11 === 0 ? { annotations: { 'gitops-sentinel/auto-repair': 'true' } } : {}),
      ...(rnd() < (options.driftShare ?? 0.02) ? { drift: [{ kind: 'Deployment', name, field: 'spec.replicas', value: 3 }] } : {}),
    };
    inst.apps!.push(app);
  }
  return { instances };
}

/** Adds an app from the seed shorthand, deployed at its current target revision. */
export function addSeedApp(state: SimState, seed: SeedApp): V1alpha1Application {
  const namespace = seed.namespace ?? state.namespace;
  const project = seed.project ?? 'default';
  if (!state.projects.has(project)) addProject(state, project);
  const now = state.now();
  const spec: V1alpha1ApplicationSpec = {
    project,
    destination: seed.destination ?? { server: 'https://kubernetes.default.svc', namespace: seed.name },
    ...(seed.sources
      ? { sources: clone(seed.sources) }
      : { source: clone(seed.source ?? { repoURL: 'https://github.com/example/apps.git', path: seed.name, targetRevision: 'HEAD' }) }),
    ...(seed.syncPolicy ? { syncPolicy: clone(seed.syncPolicy) } : {}),
  };
  const app: V1alpha1Application = {
    metadata: {
      name: seed.name,
      namespace,
      uid: randomUUID(),
      generation: 1,
      creationTimestamp: new Date(now.getTime() - 86_400_000).toISOString(),
      ...(seed.labels ? { labels: { ...seed.labels } } : {}),
      ...(seed.annotations ? { annotations: { ...seed.annotations } } : {}),
    },
    spec,
    status: {},
  };
  const sa = buildSimApp(app, seed.resources, seed.health);
  const sources = sourcesOf(app);
  sa.deployed = sources.map((s) => resolveRevision(state, s));
  for (const r of sa.resources) r.live = render(r, sa.app, sa.deployed);
  const n = Math.max(0, seed.history ?? 1);
  const history: V1alpha1RevisionHistory[] = [];
  for (let i = 0; i < n; i++) {
    const last = i === n - 1;
    const revs = last ? sa.deployed : sources.map((s) => (s.chart ? (s.targetRevision ?? '0.0.0') : fakeSha(`${s.repoURL}#old-${seed.name}-${i}`)));
    const at = new Date(now.getTime() - (n - i) * 3_600_000).toISOString();
    history.push(historyEntry(i, sa.app, revs, at, at, 'admin'));
  }
  sa.app.status!.history = history.slice(-HISTORY_LIMIT);
  sa.app.status!.operationState = history.length
    ? {
        operation: { sync: syncOpOf(sa.app, sa.deployed, {}), initiatedBy: { username: 'admin' } },
        phase: 'Succeeded',
        message: 'successfully synced (all tasks run)',
        startedAt: history[history.length - 1].deployStartedAt,
        finishedAt: history[history.length - 1].deployedAt,
      }
    : undefined;
  state.apps.set(appKey(namespace, seed.name), sa);
  for (const d of seed.drift ?? []) applyDrift(sa, d);
  recompute(state, sa);
  return sa.app;
}

/** Loads a seed instance (projects first, then apps). */
export function loadSeed(state: SimState, seed: SeedInstance): void {
  for (const p of seed.projects ?? []) addProject(state, p.name, p.spec, p, false);
  for (const a of seed.apps ?? []) addSeedApp(state, a);
}
