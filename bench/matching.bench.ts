/**
 * Matching benchmark: 50,000 apps across 500 repositories on 4 ArgoCD instances, thousands of
 * random pushes; times `AppIndex.match` per push against `linearMatch` (a plain scan over every
 * app, normalising each source URL as ArgoCD's webhook tests each app's URL) in the same run,
 * plus a scan over precompiled apps to show how much of the gain is the index itself.
 *
 * Prints one JSON object to stdout. Run: `npx tsx bench/matching.bench.ts`
 * (env `BENCH_APPS`, `BENCH_REPOS`, `BENCH_PUSHES`, `BENCH_LINEAR_PUSHES`, `BENCH_SEED` to vary).
 */
import { prng } from '../local/argocd-sim/seed';
import os from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import { AppIndex, linearMatch } from '../functions/lib/matching/app-index';
import { compileApp, evaluate, preparePush } from '../functions/lib/matching/evaluate';
import type { IndexedApp, IndexedSource } from '../functions/lib/matching/types';
import type { PushEvent } from '../functions/lib/providers/types';
import { percentile } from './stats';

const APPS = Number(process.env.BENCH_APPS ?? 50_000);
const REPOS = Number(process.env.BENCH_REPOS ?? 500);
const PUSHES = Number(process.env.BENCH_PUSHES ?? 5_000);
const LINEAR_PUSHES = Number(process.env.BENCH_LINEAR_PUSHES ?? 300);
const INSTANCES = ['prod-eu', 'prod-us', 'staging', 'dev'];

const random = prng(Number(process.env.BENCH_SEED ?? 42));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
const chance = (p: number): boolean => random() < p;
const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');

interface Repo {
  host: string;
  owner: string;
  name: string;
  /** Apps (directories) living in this repo. */
  appPaths: string[];
}

const hosts = ['github.com', 'gitlab.com', 'bitbucket.org', 'git.internal.example.com'];
const repos: Repo[] = Array.from({ length: REPOS }, (_, i) => ({ host: hosts[i % hosts.length], owner: `team-${i % 37}`, name: `service-${i}`, appPaths: [] }));

/** Spellings an Application's repoURL uses in the wild. */
function spell(repo: Repo): string {
  const base = `${repo.host}/${repo.owner}/${repo.name}`;
  switch (Math.floor(random() * 5)) {
    case 0:
      return `https://${base}`;
    case 1:
      return `https://${base}.git`;
    case 2:
      return `git@${repo.host}:${repo.owner}/${repo.name}.git`;
    case 3:
      return `ssh://git@${repo.host}:22/${repo.owner}/${repo.name}.git`;
    default:
      return `https://${base.replace(repo.owner, repo.owner.toUpperCase())}/`;
  }
}

// Skewed repo sizes (Zipf, s = 0.7): a few monorepos hold many apps, most repos a few dozen.
const weights = repos.map((_, i) => 1 / Math.pow(i + 1, 0.7));
const totalWeight = weights.reduce((a, b) => a + b, 0);
const cumulative: number[] = [];
weights.reduce((acc, w, i) => (cumulative[i] = acc + w / totalWeight), 0);
function pickRepo(): Repo {
  const r = random();
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid] < r) lo = mid + 1;
    else hi = mid;
  }
  return repos[lo];
}

function targetRevision(): string | undefined {
  const r = random();
  if (r < 0.25) return 'HEAD';
  if (r < 0.35) return undefined;
  if (r < 0.55) return 'main';
  if (r < 0.65) return pick(['staging', 'production', 'release/2024-10']);
  if (r < 0.75) return pick(['^1.0.0', '>=2.1.0 <3.0.0', '~1.4.0', '1.x']);
  if (r < 0.8) return pick(['v1.4.2', 'v2.0.0']);
  if (r < 0.85) return hex(40);
  if (r < 0.95) return 'refs/heads/main';
  return 'refs/tags/v1.4.2';
}

function makeApp(i: number): IndexedApp {
  const repo = pickRepo();
  const appPath = `apps/app-${i}`;
  repo.appPaths.push(appPath);
  const annotations: Record<string, string> = {};
  const r = random();
  if (r < 0.4) annotations['argocd.argoproj.io/manifest-generate-paths'] = '.';
  else if (r < 0.55) annotations['argocd.argoproj.io/manifest-generate-paths'] = '.;/shared/base';
  else if (r < 0.65) annotations['argocd.argoproj.io/manifest-generate-paths'] = '/envs/*/app-' + i + '.yaml;**/Chart.yaml';
  if (chance(0.1)) annotations['gitops-sentinel/sync-on-push'] = 'true';
  if (chance(0.02)) annotations['gitops-sentinel/ignore'] = 'true';
  const sources: IndexedSource[] = [{ repoURL: spell(repo), targetRevision: targetRevision(), path: appPath }];
  if (chance(0.05)) {
    // Multi-source: a Helm chart plus values from another Git repository.
    sources.unshift({ repoURL: 'https://charts.example.com', chart: 'generic', targetRevision: '4.2.0' });
    sources.push({ repoURL: spell(pick(repos)), targetRevision: 'main', ref: 'values' });
  }
  const autoSync = chance(0.6);
  return {
    instance: INSTANCES[i % INSTANCES.length],
    namespace: chance(0.8) ? 'argocd' : `team-${i % 13}`,
    name: `app-${i}`,
    project: `project-${i % 50}`,
    annotations,
    labels: { team: `team-${i % 37}` },
    sources,
    autoSync,
    selfHeal: autoSync && chance(0.5),
  };
}

function makePush(n: number): PushEvent {
  const repo = pick(repos);
  const base = `${repo.host}/${repo.owner}/${repo.name}`;
  const r = random();
  const isTag = r >= 0.85;
  const ref =
    r < 0.7
      ? 'refs/heads/main'
      : isTag
        ? `refs/tags/${pick(['v1.4.2', 'v1.4.3', 'v2.1.5', 'v3.0.0', 'nightly'])}`
        : `refs/heads/${pick(['staging', 'production', 'feature/x'])}`;
  let changedFiles: string[] | null = null;
  if (chance(0.7) && repo.appPaths.length > 0) {
    changedFiles = Array.from({ length: 1 + Math.floor(random() * 5) }, () =>
      chance(0.1) ? 'shared/base/kustomization.yaml' : `${pick(repo.appPaths)}/${pick(['values.yaml', 'deployment.yaml', 'Chart.yaml'])}`,
    );
  }
  return {
    provider: 'github',
    deliveryId: `delivery-${n}`,
    repoUrls: [`https://${base}`, `https://${base}.git`, `git@${repo.host}:${repo.owner}/${repo.name}.git`],
    revision: hex(40),
    ref,
    isTag,
    touchedHead: ref === 'refs/heads/main',
    deleted: chance(0.01),
    changedFiles,
    pusher: 'bench',
    commits: [],
  };
}

function summary(samplesNs: number[]): { p50: number; p99: number; max: number; mean: number; n: number } {
  const us = samplesNs.map((ns) => ns / 1000).sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    p50: round(percentile(us, 50)),
    p99: round(percentile(us, 99)),
    max: round(us[us.length - 1]),
    mean: round(us.reduce((a, b) => a + b, 0) / us.length),
    n: us.length,
  };
}
function time<T>(fn: () => T): [T, number] {
  const start = process.hrtime.bigint();
  const result = fn();
  return [result, Number(process.hrtime.bigint() - start)];
}

// Prepare
const apps = Array.from({ length: APPS }, (_, i) => makeApp(i));
const pushes = Array.from({ length: PUSHES }, (_, n) => makePush(n));

// Act: build
const [index, buildNs] = time(() => new AppIndex(apps));

// Collect the garbage of setup before timing (the usual `--expose-gc` trick, without the flag).
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
gc();

// Warm up the JIT on a separate sample so the measured runs are steady-state.
for (let i = 0; i < 500; i++) index.match(pushes[i % pushes.length]);
for (let i = 0; i < 5; i++) linearMatch(apps, pushes[i]);

gc();
const indexNs: number[] = [];
let matched = 0;
let syncs = 0;
let skips = 0;
for (const push of pushes) {
  const [results, ns] = time(() => index.match(push));
  indexNs.push(ns);
  matched += results.length;
  for (const r of results) {
    if (r.action === 'sync') syncs++;
    else if (r.action === 'skip') skips++;
  }
}

// Linear baselines on an evenly spread subset (a linear scan of 50,000 apps is slow), same pushes for both.
const step = Math.max(1, Math.floor(PUSHES / LINEAR_PUSHES));
const subset = pushes.filter((_, i) => i % step === 0).slice(0, LINEAR_PUSHES);
const linearNs: number[] = [];
const indexSubsetNs: number[] = [];
let mismatches = 0;
for (const push of subset) {
  const [viaIndex, nsIndex] = time(() => index.match(push));
  const [viaLinear, nsLinear] = time(() => linearMatch(apps, push));
  indexSubsetNs.push(nsIndex);
  linearNs.push(nsLinear);
  if (!isDeepStrictEqual(viaIndex, viaLinear)) mismatches++;
}

// A scan over precompiled apps: no index, but no per-push normalisation either.
const [compiled, compileNs] = time(() => apps.map(compileApp));
const compiledScanNs: number[] = [];
for (const push of subset) {
  const [, ns] = time(() => {
    const prepared = preparePush(push);
    let n = 0;
    for (const c of compiled) if (evaluate(c, prepared)) n++;
    return n;
  });
  compiledScanNs.push(ns);
}

const repoSizes = repos.map((r) => r.appPaths.length).sort((a, b) => a - b);
const indexStats = summary(indexNs);
const indexSubset = summary(indexSubsetNs);
const linear = summary(linearNs);
const compiledScan = summary(compiledScanNs);
const round1 = (x: number) => Math.round(x * 10) / 10;

process.stdout.write(
  `${JSON.stringify(
    {
      benchmark: 'matching',
      node: process.version,
      cpus: os.cpus().length,
      loadAverage1m: Math.round(os.loadavg()[0] * 100) / 100,
      apps: APPS,
      repos: index.repoCount,
      instances: INSTANCES.length,
      appsPerRepo: { median: percentile(repoSizes, 50), p99: percentile(repoSizes, 99), max: repoSizes[repoSizes.length - 1] },
      pushes: PUSHES,
      matchesPerPush: round1(matched / PUSHES),
      syncActions: syncs,
      skipActions: skips,
      indexBuildMs: round1(buildNs / 1e6),
      indexMicros: indexStats,
      linearPushes: subset.length,
      linearMicros: linear,
      indexMicrosSamePushes: indexSubset,
      ratio: {
        p50: round1(linear.p50 / indexSubset.p50),
        p99: round1(linear.p99 / indexSubset.p99),
        mean: round1(linear.mean / indexSubset.mean),
      },
      precompiledScan: { compileMs: round1(compileNs / 1e6), micros: compiledScan, ratioP50: round1(compiledScan.p50 / indexSubset.p50) },
      indexVsLinearMismatches: mismatches,
      targetIndexP99Under1ms: indexStats.p99 < 1000,
    },
    null,
    2,
  )}\n`,
);
