/**
 * What the controller computes for an app: the manifests Git has for its resources at a
 * revision, and the app's status (sync, resources, health, summary) from them.
 */
import type { V1alpha1Application } from '../../functions/lib/argocd/generated/models';
import { clone, deepEqual, forgetJson, sourcesOf, type SimApp, type SimResource, type SimState } from './core';
import { resolveRevision } from './revisions';
import type { SimResourceSeed } from './types';

const KIND_GV: Record<string, [string, string]> = {
  Deployment: ['apps', 'v1'],
  StatefulSet: ['apps', 'v1'],
  DaemonSet: ['apps', 'v1'],
  Ingress: ['networking.k8s.io', 'v1'],
  CronJob: ['batch', 'v1'],
  Job: ['batch', 'v1'],
  Rollout: ['argoproj.io', 'v1alpha1'],
};

/** Wraps an app with its resources (default: a Deployment and a Service named after it). */
export function buildSimApp(app: V1alpha1Application, resources: SimResourceSeed[] | undefined, health?: string): SimApp {
  const name = app.metadata!.name!;
  const destNs = app.spec?.destination?.namespace ?? name;
  const seeds = resources ?? [
    { kind: 'Deployment', name, image: `ghcr.io/example/${name}` },
    { kind: 'Service', name },
  ];
  return {
    app,
    deployed: [],
    health: health ?? 'Healthy',
    resources: seeds.map((r) => ({
      kind: r.kind,
      name: r.name,
      namespace: r.namespace ?? destNs,
      group: r.group ?? KIND_GV[r.kind]?.[0] ?? '',
      version: r.version ?? KIND_GV[r.kind]?.[1] ?? 'v1',
      image: r.image ?? (r.kind === 'Deployment' ? `ghcr.io/example/${r.name}` : undefined),
      replicas: r.replicas ?? 1,
      health: r.health ?? 'Healthy',
      live: null,
    })),
  };
}

/** The manifest of a resource as Git has it at `revisions`. */
export function render(r: SimResource, app: V1alpha1Application, revisions: string[]): Record<string, unknown> {
  const metadata = { name: r.name, namespace: r.namespace, labels: { 'app.kubernetes.io/instance': app.metadata!.name! } };
  const apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
  const tag = (revisions[0] ?? 'latest').slice(0, /^[0-9a-f]{40}$/.test(revisions[0] ?? '') ? 7 : undefined);
  switch (r.kind) {
    case 'Deployment':
    case 'StatefulSet':
      return {
        apiVersion,
        kind: r.kind,
        metadata,
        spec: {
          replicas: r.replicas,
          selector: { matchLabels: { app: r.name } },
          template: {
            metadata: { labels: { app: r.name } },
            spec: { containers: [{ name: r.name, image: `${r.image}:${tag}`, ports: [{ containerPort: 8080 }] }] },
          },
        },
      };
    case 'Service':
      return { apiVersion, kind: r.kind, metadata, spec: { type: 'ClusterIP', selector: { app: r.name }, ports: [{ port: 80, targetPort: 8080 }] } };
    case 'ConfigMap':
      return { apiVersion, kind: r.kind, metadata, data: { LOG_LEVEL: 'info' } };
    default:
      return { apiVersion, kind: r.kind, metadata, spec: {} };
  }
}

/** Recomputes sync/health status of an app from its resources and revisions. */
export function recompute(state: SimState, sa: SimApp): void {
  const app = sa.app;
  const sources = sourcesOf(app);
  const target = sources.map((s) => resolveRevision(state, s));
  // Running an operation, or rolling out after one (`healthyAfterMs`): Progressing.
  const running = app.status?.operationState?.phase === 'Running' || (sa.progressingUntil !== undefined && sa.progressingUntil > Date.now());
  let outOfSync = false;
  const resources = sa.resources.map((r) => {
    const synced = r.live !== null && deepEqual(r.live, render(r, app, target));
    if (!synced) outOfSync = true;
    return {
      group: r.group || undefined,
      version: r.version,
      kind: r.kind,
      namespace: r.namespace,
      name: r.name,
      status: synced ? 'Synced' : 'OutOfSync',
      health:
        r.kind === 'ConfigMap'
          ? undefined
          : r.live === null
            ? { status: 'Missing' }
            : running
              ? { status: 'Progressing' }
              : { status: r.health, ...(r.healthMessage && r.health !== 'Healthy' ? { message: r.healthMessage } : {}) },
    };
  });
  const multi = !!app.spec?.sources?.length;
  const status = app.status ?? (app.status = {});
  status.sync = {
    status: outOfSync ? 'OutOfSync' : 'Synced',
    comparedTo: multi
      ? { sources: clone(app.spec!.sources), destination: clone(app.spec!.destination) }
      : { source: clone(app.spec!.source), destination: clone(app.spec!.destination) },
    ...(multi ? { revisions: target } : { revision: target[0] }),
  };
  status.resources = resources;
  const worst = resources.some((r) => r.health?.status === 'Missing') ? 'Missing' : running ? 'Progressing' : sa.health;
  // ArgoCD stamps the app's health with the time it last changed; deployment tracking reads it
  // as the moment the app became healthy.
  const previous = status.health;
  const message =
    worst === sa.health && worst !== 'Healthy' ? resources.find((r) => r.health?.status === worst && r.health.message)?.health?.message : undefined;
  status.health = {
    status: worst,
    ...(message ? { message } : {}),
    lastTransitionTime: previous?.status === worst && previous.lastTransitionTime ? previous.lastTransitionTime : state.now().toISOString(),
  };
  status.sourceType = sources[0]?.chart ? 'Helm' : sources[0]?.kustomize ? 'Kustomize' : 'Directory';
  if (multi) status.sourceTypes = sources.map((s) => (s.chart ? 'Helm' : 'Directory'));
  status.summary = { images: sa.resources.filter((r) => r.image).map((r) => `${r.image}:${(sa.deployed[0] ?? 'latest').slice(0, 7)}`) };
  status.reconciledAt = status.reconciledAt ?? state.now().toISOString();
  status.controllerNamespace = state.namespace;
  app.metadata!.resourceVersion = state.nextResourceVersion();
  forgetJson(sa);
}
