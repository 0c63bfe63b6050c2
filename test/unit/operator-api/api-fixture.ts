import { createArgoCDClients } from '../../../functions/lib/argocd';
import type { AuditQuery } from '../../../functions/lib/audit/types';
import { loadConfig } from '../../../functions/lib/config';
import { quietLogger } from '../../../functions/lib/observability/simple-logger';
import type { CoreDeps } from '../../../functions/lib/runtime/core-deps';
import { createOperatorApiHandler, type OperatorEvent } from '../../../functions/operator-api/handler';
import { InMemoryAuditStore } from '../../helpers/in-memory-audit-store';
import { createTestTables } from '../../helpers/dynamo';
import { InMemoryDriftStateStore } from '../../helpers/in-memory-drift-state-store';

/** An operator API answer, its body parsed. */
export interface ApiAnswer {
  status: number;
  body: { error?: string; parameter?: string; message?: string };
}

/**
 * The operator API handler on in-memory audit and drift stores, the state table on dynalite (the
 * refusal counters `/api/stats` reads), an open access policy and no ArgoCD instance.
 */
export interface ApiFixture {
  /** Calls the handler as API Gateway would, as an IAM principal (POSTs with `application/json`). */
  call(method: 'GET' | 'POST', path: string, input?: { query?: Record<string, string>; body?: string }): Promise<ApiAnswer>;
  /** What the routes asked the audit store for (the query as validated), since the last `reset`. */
  queries: AuditQuery[];
  /** The audit store of the current test. */
  audit(): InMemoryAuditStore;
  /** Empty stores and a cleared query log. */
  reset(): void;
  close(): void;
}

/**
 * Builds the fixture; call `reset` in `beforeEach`, `close` in `afterAll`.
 * @param extra dependencies to add or replace (e.g. `anchor`)
 */
export async function apiFixture(extra: Partial<CoreDeps> = {}): Promise<ApiFixture> {
  const tables = await createTestTables('opapi-params');
  let audit = new InMemoryAuditStore();
  const queries: AuditQuery[] = [];
  const config = loadConfig({});
  const deps = {
    config,
    doc: tables.doc,
    tables: tables.names,
    // Records what the route asked the audit store for.
    auditStore: {
      append: (input: Parameters<InMemoryAuditStore['append']>[0]) => audit.append(input),
      verify: (options: Parameters<InMemoryAuditStore['verify']>[0]) => audit.verify(options),
      query: (q: AuditQuery) => {
        queries.push(q);
        return audit.query(q);
      },
    },
    driftState: new InMemoryDriftStateStore(),
    secrets: { get: async () => 'unused-token-0000', refresh: async () => 'unused-token-0000' },
    argocd: createArgoCDClients(config, { get: async () => '', refresh: async () => '' }),
    log: quietLogger,
    now: () => new Date('2025-06-02T10:00:00.000Z'),
    ...extra,
  };
  const handler = createOperatorApiHandler(deps);
  return {
    queries,
    audit: () => audit,
    reset: () => {
      queries.length = 0;
      audit = new InMemoryAuditStore();
    },
    close: () => tables.client.destroy(),
    call: async (method, path, input = {}) => {
      const event = {
        rawPath: path,
        requestContext: { http: { method, path }, authorizer: { iam: { userArn: 'arn:aws:iam::123456789012:user/ops' } } },
        headers: method === 'POST' ? { 'content-type': 'application/json' } : {},
        ...(input.query ? { queryStringParameters: input.query } : {}),
        ...(input.body !== undefined ? { body: input.body } : {}),
      } as unknown as OperatorEvent;
      const res = await handler(event);
      return { status: res.statusCode ?? 0, body: JSON.parse(String(res.body)) as ApiAnswer['body'] };
    },
  };
}
