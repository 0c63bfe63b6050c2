/**
 * `GET /api/v1/applications/{name}/resource-tree`: the app's live resources and their
 * children (a Deployment's ReplicaSet and Pods), shaped as ArgoCD's `v1alpha1ApplicationTree`.
 */
import { createHash } from 'node:crypto';
import type { SimApp, SimResource } from './core';

/** `v1alpha1ResourceRef` as the simulator fills it. */
export interface SimResourceRef {
  group?: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
}

/** `v1alpha1ResourceNode` as the simulator fills it. */
export interface SimResourceNode extends SimResourceRef {
  resourceVersion: string;
  createdAt: string;
  health?: { status: string; message?: string };
  images?: string[];
  info?: Array<{ name: string; value: string }>;
  parentRefs?: SimResourceRef[];
}

/** `v1alpha1ApplicationTree`. */
export interface SimApplicationTree {
  nodes: SimResourceNode[];
  orphanedNodes: SimResourceNode[];
  hosts: [];
}

const short = (s: string, n: number) => createHash('sha1').update(s).digest('hex').slice(0, n);
const uidOf = (s: string) => {
  const h = short(s, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

/** Filters of the tree call (ArgoCD's query parameters of the same names). */
export interface ResourceTreeFilter {
  namespace?: string;
  name?: string;
  version?: string;
  group?: string;
  kind?: string;
}

/**
 * The tree of one app. Resources missing from the cluster have no node (as in ArgoCD); a
 * workload's Pods carry its health, so a Degraded Deployment shows crashing Pods.
 */
export function resourceTree(sa: SimApp, filter: ResourceTreeFilter = {}): SimApplicationTree {
  const status = new Map((sa.app.status?.resources ?? []).map((r) => [`${r.kind}/${r.namespace}/${r.name}`, r]));
  const createdAt = sa.app.metadata?.creationTimestamp ?? new Date(0).toISOString();
  const rv = sa.app.metadata?.resourceVersion ?? '1';
  const nodes: SimResourceNode[] = [];
  for (const r of sa.resources) {
    if (r.live === null) continue;
    const ref: SimResourceRef = {
      ...(r.group ? { group: r.group } : {}),
      version: r.version,
      kind: r.kind,
      namespace: r.namespace,
      name: r.name,
      uid: uidOf(`${sa.app.metadata?.uid}/${r.kind}/${r.namespace}/${r.name}`),
    };
    const health = status.get(`${r.kind}/${r.namespace}/${r.name}`)?.health as { status: string; message?: string } | undefined;
    const image = imageOf(r);
    nodes.push({ ...ref, resourceVersion: rv, createdAt, ...(health?.status ? { health } : {}), ...(image ? { images: [image] } : {}) });
    if (r.kind === 'Deployment' || r.kind === 'StatefulSet') nodes.push(...children(r, ref, health, image, rv, createdAt));
  }
  const wanted = nodes.filter(
    (n) =>
      (!filter.kind || n.kind === filter.kind) &&
      (!filter.name || n.name === filter.name) &&
      (!filter.namespace || n.namespace === filter.namespace) &&
      (!filter.group || (n.group ?? '') === filter.group) &&
      (!filter.version || n.version === filter.version),
  );
  return { nodes: wanted, orphanedNodes: [], hosts: [] };
}

function imageOf(r: SimResource): string | undefined {
  const spec = (r.live as { spec?: { template?: { spec?: { containers?: Array<{ image?: string }> } } } } | null)?.spec;
  return spec?.template?.spec?.containers?.[0]?.image;
}

function children(
  r: SimResource,
  parent: SimResourceRef,
  health: { status: string; message?: string } | undefined,
  image: string | undefined,
  rv: string,
  createdAt: string,
): SimResourceNode[] {
  const out: SimResourceNode[] = [];
  let owner = parent;
  if (r.kind === 'Deployment') {
    const rs: SimResourceRef = {
      group: 'apps',
      version: 'v1',
      kind: 'ReplicaSet',
      namespace: r.namespace,
      name: `${r.name}-${short(image ?? r.name, 10)}`,
      uid: uidOf(`${parent.uid}/rs/${image}`),
    };
    out.push({ ...rs, resourceVersion: rv, createdAt, ...(health ? { health } : {}), parentRefs: [parent] });
    owner = rs;
  }
  const podHealth = health?.status === 'Degraded' ? { status: 'Degraded', message: health.message ?? 'back-off restarting failed container' } : health;
  const reason = health?.status === 'Degraded' ? 'CrashLoopBackOff' : health?.status === 'Progressing' ? 'ContainerCreating' : 'Running';
  for (let i = 0; i < Math.max(1, r.replicas); i++) {
    const name = r.kind === 'StatefulSet' ? `${r.name}-${i}` : `${owner.name}-${short(`${owner.uid}/${i}`, 5)}`;
    out.push({
      version: 'v1',
      kind: 'Pod',
      namespace: r.namespace,
      name,
      uid: uidOf(`${owner.uid}/pod/${i}`),
      resourceVersion: rv,
      createdAt,
      ...(podHealth ? { health: podHealth } : {}),
      ...(image ? { images: [image] } : {}),
      info: [
        { name: 'Status Reason', value: reason },
        { name: 'Containers', value: reason === 'Running' ? '1/1' : '0/1' },
      ],
      parentRefs: [owner],
    });
  }
  return out;
}
