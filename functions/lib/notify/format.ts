/**
 * What a notification says: the Slack message and the JSON body of the generic webhook and
 * SNS. Built from the event alone (kind, app, revision, the record's one-line message and the
 * names of what drifted or was unhealthy): never a secret, never a payload body, and values that
 * come from clusters or pushes are escaped for Slack, so an app or resource name cannot
 * `@channel` a workspace or forge a link.
 */
import { DEFAULT_ARGOCD_NAMESPACE } from '../config/defaults';
import type { InstanceConfig } from '../config/types';
import type { NotificationEvent } from './types';

const TITLES: Record<string, string> = {
  'drift.found': ':warning: Drift found',
  'drift.repaired': ':wrench: Drift repaired',
  'drift.flapping': ':repeat: Drift keeps coming back (left for a human)',
  'deploy.succeeded': ':white_check_mark: Deployed and healthy',
  'deploy.failed': ':x: Deployment failed',
  'deploy.degraded': ':warning: Deployment degraded',
  'deploy.timeout': ':hourglass: Deployment timed out',
  'delivery.dead-lettered': ':mailbox_with_no_mail: Push delivery dead-lettered',
  'audit.verify-failed': ':rotating_light: Audit verification failed',
  'webhook.refused-spike': ':no_entry: Webhook refusals spiking',
};

/** Most resources named in one message. */
const MAX_RESOURCES = 5;

/** Title of an event (a failed repair says so). */
export function titleOf(event: NotificationEvent): string {
  if (event.kind === 'drift.repaired' && event.outcome === 'failure') return ':x: Drift repair failed';
  return TITLES[event.kind] ?? event.kind;
}

/**
 * Slack's three control characters escaped (https://api.slack.com/reference/surfaces/formatting#escaping),
 * control characters and bidi overrides dropped: `<!channel>` or `<https://evil|ok>` in a name stays text.
 */
export function slackEscape(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- dropping control characters is the point
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
  );
}

/** The Argo CD UI page of the event's app (`<server>/applications/<namespace>/<name>`), when known. */
export function argocdLink(instances: readonly Pick<InstanceConfig, 'name' | 'server'>[], event: NotificationEvent): string | undefined {
  if (!event.instance || !event.app) return undefined;
  const instance = instances.find((i) => i.name === event.instance);
  if (!instance) return undefined;
  const base = instance.server.replace(/\/+$/, '');
  return `${base}/applications/${encodeURIComponent(event.namespace ?? DEFAULT_ARGOCD_NAMESPACE)}/${encodeURIComponent(event.app)}`;
}

const shortRev = (rev: string) => (/^[0-9a-f]{40}$/i.test(rev) ? rev.slice(0, 7) : rev.slice(0, 64));

/** One line per resource that drifted (drift records) or was not healthy (deploy records), at most {@link MAX_RESOURCES}. */
export function resourceLines(event: NotificationEvent): string[] {
  const details = event.record?.details ?? {};
  const drift = (details.drift as { resources?: unknown } | undefined)?.resources;
  const list = (Array.isArray(drift) ? drift : Array.isArray(details.resources) ? details.resources : []) as Array<Record<string, unknown>>;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const lines = list.slice(0, MAX_RESOURCES).map((r) => {
    const name = `${str(r.kind) ?? '?'}/${str(r.name) ?? '?'}`;
    const fields = Array.isArray(r.fields) ? (r.fields as unknown[]).filter((f): f is string => typeof f === 'string').slice(0, 3) : [];
    const what = fields.length ? fields.join(', ') : [str(r.change), str(r.health), str(r.sync)].filter(Boolean).join(', ') || undefined;
    return what ? `${name}: ${what}` : name;
  });
  if (list.length > MAX_RESOURCES) lines.push(`… and ${list.length - MAX_RESOURCES} more`);
  return lines;
}

/** A Slack incoming-webhook message: a one-line `text` (notifications, fallback) and blocks. */
export function slackMessage(event: NotificationEvent, link: string | undefined): { text: string; blocks: unknown[] } {
  const e = slackEscape;
  const app = event.app ? `*${e(event.app)}*` : '';
  const where = [event.instance, event.project]
    .filter((x): x is string => !!x)
    .map(e)
    .join(' / ');
  const text = `${titleOf(event)}${app ? `: ${app}` : ''}${where ? ` (${where})` : ''}${event.revision ? ` at \`${e(shortRev(event.revision))}\`` : ''}`;
  const fields = [
    event.app && `*App*\n${e(event.app)}`,
    event.instance && `*Instance*\n${e(event.instance)}`,
    event.project && `*Project*\n${e(event.project)}`,
    event.revision && `*Revision*\n\`${e(shortRev(event.revision))}\``,
  ].filter((f): f is string => !!f);
  const resources = resourceLines(event);
  const blocks: unknown[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `${text}\n${e(event.message)}` } },
    ...(fields.length ? [{ type: 'section', fields: fields.map((t) => ({ type: 'mrkdwn', text: t })) }] : []),
    ...(resources.length ? [{ type: 'section', text: { type: 'mrkdwn', text: resources.map((l) => `• ${e(l)}`).join('\n') } }] : []),
    ...(link ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: `<${link.replace(/[<>|]/g, encodeURIComponent)}|Open in Argo CD>` }] }] : []),
  ];
  return { text, blocks };
}

/**
 * The JSON the generic webhook and SNS get: `notificationId` (the `X-Sentinel-Delivery` header's
 * value, the same on every retry, so receivers dedupe on it), the event's fields (`deliveryId` is
 * the push's, when the event came from one), the link and the audit record.
 */
export function eventBody(event: NotificationEvent, link: string | undefined, notificationId: string): Record<string, unknown> {
  const { record, subject: _subject, ...fields } = event;
  return { notificationId, ...fields, ...(link ? { link } : {}), ...(record ? { record } : {}) };
}
