/**
 * The channels: one sender per configured channel type. Each takes the event and what the
 * notifier worked out (delivery id, link) and answers a {@link SendResult}; none throws for a
 * receiver's failure, and none puts a URL or a secret into what it answers.
 */
import { createHmac } from 'node:crypto';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { EventBridgeChannelConfig, NotifyChannelConfig, SlackChannelConfig, SNSChannelConfig, WebhookChannelConfig } from '../../config/types';
import type { SecretsProvider } from '../../secrets/types';
import { eventBody, slackMessage, titleOf } from '../format';
import type { NotificationEvent, SendResult } from '../types';
import { postJson } from './http';

/** What a send knows besides the event. */
export interface SendContext {
  /** Stable per (event, channel): the same on every retry, so a receiver can dedupe. */
  deliveryId: string;
  /** The Argo CD page of the app, when known. */
  link?: string;
}

/** What the senders need. */
export interface ChannelDeps {
  secrets: SecretsProvider;
  /** Bound on one HTTP send, ms. */
  timeoutMs: number;
  /** SNS client for a topic's region (built on first use). */
  sns?: (region: string) => SNSClient;
  /** EventBridge client for a bus's region. */
  eventBridge?: (region: string) => EventBridgeClient;
  /** Region of the functions (the `default` bus lives there). */
  region: string;
}

/** The header carrying the HMAC of a generic webhook's body. */
export const SIGNATURE_HEADER = 'x-sentinel-signature';
/** The header carrying the delivery id (stable across retries). */
export const DELIVERY_HEADER = 'x-sentinel-delivery';
/** The header naming the event kind. */
export const EVENT_HEADER = 'x-sentinel-event';

/** `sha256=<hex HMAC-SHA256 of the body>`, as GitHub signs its webhooks. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** A failed secret read, named by its reference only. */
async function secretOr(secrets: SecretsProvider, ref: SlackChannelConfig['url']): Promise<string | SendResult> {
  try {
    return await secrets.get(ref);
  } catch (error) {
    return { ok: false, reason: `secret unavailable: ${error instanceof Error ? error.name : 'Error'}` };
  }
}

async function sendSlack(c: SlackChannelConfig, event: NotificationEvent, ctx: SendContext, deps: ChannelDeps): Promise<SendResult> {
  const url = await secretOr(deps.secrets, c.url);
  if (typeof url !== 'string') return url;
  return postJson(url, JSON.stringify(slackMessage(event, ctx.link)), {}, deps.timeoutMs);
}

async function sendWebhook(c: WebhookChannelConfig, event: NotificationEvent, ctx: SendContext, deps: ChannelDeps): Promise<SendResult> {
  const secret = await secretOr(deps.secrets, c.secret);
  if (typeof secret !== 'string') return secret;
  const body = JSON.stringify(eventBody(event, ctx.link, ctx.deliveryId));
  return postJson(c.url, body, { [SIGNATURE_HEADER]: signBody(secret, body), [DELIVERY_HEADER]: ctx.deliveryId, [EVENT_HEADER]: event.kind }, deps.timeoutMs);
}

/** An AWS SDK failure: its name and HTTP status only (its message may quote the request). */
function sdkFailure(error: unknown): SendResult {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  return { ok: false, ...(status ? { status } : {}), reason: e?.name ?? 'Error' };
}

const regionOfArn = (arn: string, fallback: string) => (arn.startsWith('arn:') ? (arn.split(':')[3] ?? fallback) : fallback);

async function sendSNS(c: SNSChannelConfig, event: NotificationEvent, ctx: SendContext, deps: ChannelDeps): Promise<SendResult> {
  if (!deps.sns) return { ok: false, reason: 'SNS is not available here (deployed only)' };
  // SNS subjects: ASCII, no line breaks, at most 100 characters.
  const subject = `${titleOf(event).replace(/:[a-z_]+: /, '')}${event.app ? `: ${event.app}` : ''}`.replace(/[^\x20-\x7e]/g, '').slice(0, 100);
  try {
    await deps.sns(regionOfArn(c.topicArn, deps.region)).send(
      new PublishCommand({
        TopicArn: c.topicArn,
        Subject: subject,
        Message: JSON.stringify(eventBody(event, ctx.link, ctx.deliveryId)),
        MessageAttributes: { kind: { DataType: 'String', StringValue: event.kind } },
      }),
    );
    return { ok: true };
  } catch (error) {
    return sdkFailure(error);
  }
}

async function sendEventBridge(c: EventBridgeChannelConfig, event: NotificationEvent, _ctx: SendContext, deps: ChannelDeps): Promise<SendResult> {
  if (!deps.eventBridge) return { ok: false, reason: 'EventBridge is not available here (deployed only)' };
  try {
    const out = await deps.eventBridge(regionOfArn(c.eventBusName, deps.region)).send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: c.eventBusName,
            Source: c.source,
            DetailType: event.kind,
            // The event detail is the audit record (the event itself for sources that write none).
            Detail: JSON.stringify(event.record ?? event),
            Time: new Date(event.ts),
          },
        ],
      }),
    );
    if (out.FailedEntryCount) return { ok: false, reason: `PutEvents refused the entry: ${out.Entries?.[0]?.ErrorCode ?? 'unknown'}` };
    return { ok: true };
  } catch (error) {
    return sdkFailure(error);
  }
}

/** Sends one event to one channel. */
export function sendTo(channel: NotifyChannelConfig, event: NotificationEvent, ctx: SendContext, deps: ChannelDeps): Promise<SendResult> {
  switch (channel.type) {
    case 'slack':
      return sendSlack(channel, event, ctx, deps);
    case 'webhook':
      return sendWebhook(channel, event, ctx, deps);
    case 'sns':
      return sendSNS(channel, event, ctx, deps);
    case 'eventbridge':
      return sendEventBridge(channel, event, ctx, deps);
  }
}
