import type { AuditStore } from '../audit/audit-store';
import type { AuditInput, AuditQuery, AuditRecord } from '../audit/types';
import type { SimpleLogger } from '../observability/logger';
import { publishQuietly } from './events';
import { eventFromRecord, type NotificationPublisher } from './publisher';

/**
 * An `AuditStore` that also queues notifications for the records it appends: one hook for every
 * writer of `drift.*` and `deploy.*` records, so no writer needs to know about notifications and
 * the audit store stays a port (this wraps any adapter). The record is written first; a
 * notification that cannot be queued is logged, never turned into a failed append, because the
 * audit record is the evidence and the notification only a copy of it.
 */
export class NotifyingAuditStore implements AuditStore {
  constructor(
    private readonly inner: AuditStore,
    private readonly publisher: NotificationPublisher,
    private readonly log?: Partial<SimpleLogger>,
  ) {}

  async append(input: AuditInput): Promise<AuditRecord> {
    const record = await this.inner.append(input);
    if (this.publisher.wants(record.kind)) await publishQuietly(this.publisher, eventFromRecord(record), this.log);
    return record;
  }

  query(query: AuditQuery) {
    return this.inner.query(query);
  }

  verify(options?: { chains?: string[] }) {
    return this.inner.verify(options);
  }
}
