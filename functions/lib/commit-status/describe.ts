/**
 * What a deployment's commit status says: the state, the context and one line of our own
 * words with the lead time. ArgoCD's own messages are left out: a status is readable by
 * everyone who can read the repository, and operation messages can name cluster internals;
 * the status links to the app in ArgoCD instead.
 */
import type { AuditRecord } from '../audit/types';
import type { InstanceConfig } from '../config/types';
import { formatDuration } from '../deploy/tracker';
import type { DeployOutcome, TrackedDeployment } from '../deploy/types';
import type { CommitState, CommitStatus } from './types';

/** GitHub shows at most 140 characters of a description. */
const MAX_DESCRIPTION = 140;

const STATE: Record<DeployOutcome, CommitState> = {
  succeeded: 'success',
  failed: 'failure',
  degraded: 'failure',
  timeout: 'error',
  gone: 'error',
  superseded: 'canceled',
};

/**
 * `gitops-sentinel/<instance>/<app>`; an app outside the instance's control-plane namespace
 * (apps-in-any-namespace) gets `gitops-sentinel/<instance>/<namespace>/<app>`, so two apps of
 * one name never share a status line.
 */
export function statusContext(d: Pick<TrackedDeployment, 'ref'>, instance?: Pick<InstanceConfig, 'namespace'>): string {
  const { ref } = d;
  const ns = instance?.namespace && ref.namespace !== instance.namespace ? `${ref.namespace}/` : '';
  return `gitops-sentinel/${ref.instance}/${ns}${ref.name}`;
}

/** The app in the ArgoCD UI (`/applications/<namespace>/<name>`, ArgoCD 2.5 and later). */
export function statusTargetUrl(d: Pick<TrackedDeployment, 'ref'>, instance?: Pick<InstanceConfig, 'server'>): string | undefined {
  if (!instance?.server) return undefined;
  return `${instance.server.replace(/\/+$/, '')}/applications/${encodeURIComponent(d.ref.namespace)}/${encodeURIComponent(d.ref.name)}`;
}

const short = (sha: unknown) => (typeof sha === 'string' && /^[0-9a-f]{40}/i.test(sha) ? sha.slice(0, 7) : undefined);
const cut = (s: string) => (s.length <= MAX_DESCRIPTION ? s : `${s.slice(0, MAX_DESCRIPTION - 1)}…`);

/** The status when ArgoCD accepted the deployment. */
export function acceptedStatus(d: TrackedDeployment, instance?: InstanceConfig): CommitStatus {
  const what = d.action === 'sync' ? 'the sync' : 'the refresh (auto-sync deploys it)';
  return withLink(
    { state: 'pending', context: statusContext(d, instance), description: cut(`deploying to ${d.ref.instance}: ArgoCD accepted ${what}`) },
    d,
    instance,
  );
}

/** The status for a deployment's outcome (`record` is its `deploy.*` audit record). */
export function outcomeStatus(d: TrackedDeployment, outcome: DeployOutcome, record: Pick<AuditRecord, 'details'>, instance?: InstanceConfig): CommitStatus {
  const details = record.details ?? {};
  const ms = (k: string) => (typeof details[k] === 'number' ? formatDuration(details[k]) : undefined);
  const lead = ms('leadTimeMs');
  let description: string;
  switch (outcome) {
    case 'succeeded': {
      const deployed = short(details.revisionDeployed);
      const other = deployed && d.commit && !d.commit.toLowerCase().startsWith(deployed.toLowerCase()) ? ` (branch head ${deployed})` : '';
      description = `deployed and healthy${lead ? ` in ${lead}` : ''}${other}`;
      break;
    }
    case 'failed':
      description = `sync failed${ms('acceptedToSyncedMs') ? ` after ${ms('acceptedToSyncedMs')}` : ''}; see the app in ArgoCD`;
      break;
    case 'degraded':
      description = `synced but Degraded${ms('acceptedToSyncedMs') ? ` after ${ms('acceptedToSyncedMs')}` : ''}; see the app in ArgoCD`;
      break;
    case 'timeout':
      description = 'not Synced and Healthy before the tracking deadline';
      break;
    case 'gone':
      description = 'the app was deleted (or its instance removed) while deploying';
      break;
    case 'superseded': {
      const by = details.supersededBy as { commit?: string; cause?: string } | undefined;
      const sha = short(by?.commit);
      description = `superseded by ${sha ?? `a ${by?.cause ?? 'newer deployment'}`} before it finished`;
      break;
    }
  }
  return withLink({ state: STATE[outcome], context: statusContext(d, instance), description: cut(description) }, d, instance);
}

function withLink(s: CommitStatus, d: TrackedDeployment, instance?: InstanceConfig): CommitStatus {
  const url = statusTargetUrl(d, instance);
  return url ? { ...s, targetUrl: url } : s;
}
