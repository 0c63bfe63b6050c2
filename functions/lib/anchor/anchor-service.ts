/**
 * What the operator API needs of the anchoring, whichever way it is deployed: read the digests
 * and the public key (to verify and to export proofs) and ask for a digest now. Locally the
 * run happens in process with the local key; deployed, the anchor function alone can sign, so
 * `anchorNow` invokes it.
 */
import type { ChainReader } from '../audit/audit-store';
import type { AuditRecord } from '../audit/types';
import type { AnchorStore } from './anchor-store';
import { DIGEST_PREFIX } from './digest';
import type { AnchorResult } from './types';
import { BreakList, checkDigests } from './verify-anchored';

/** The anchoring as the operator API sees it. */
export interface AnchorService {
  /** Reads the chains (the audit store). */
  reader: ChainReader;
  /** Reads the digests (the API never writes them). */
  store: AnchorStore;
  /** The anchor key's public half (PEM). */
  publicKeyPem(): Promise<string>;
  /** Writes a digest now (a checkpoint when asked). */
  anchorNow(options?: { checkpoint?: boolean }): Promise<AnchorResult>;
}

/** Most digest bytes per `digestsPage`, below API Gateway's and Lambda's 6 MB response limit once base64-encoded. */
export const MAX_DIGEST_PAGE_BYTES = 3_000_000;

/** One page of digest files (raw bytes, base64), in seq order, after the name `after`. */
export async function digestsPage(
  store: AnchorStore,
  options: { after?: string; limit?: number } = {},
): Promise<{ items: Array<{ name: string; base64: string }>; next?: string }> {
  const limit = Math.min(Math.max(1, options.limit ?? 100), 1000);
  const names = (await store.list(DIGEST_PREFIX)).filter((n) => options.after === undefined || n > options.after);
  const items: Array<{ name: string; base64: string }> = [];
  let bytes = 0;
  for (const name of names) {
    if (items.length >= limit) break;
    const body = await store.get(name);
    const base64 = body ? Buffer.from(body).toString('base64') : '';
    // Always hand out at least one file, however big, so a page never stalls.
    if (items.length > 0 && bytes + base64.length > MAX_DIGEST_PAGE_BYTES) break;
    bytes += base64.length;
    items.push({ name, base64 });
  }
  const last = items[items.length - 1];
  return { items, ...(last && names[names.length - 1] !== last.name ? { next: last.name } : {}) };
}

/**
 * The chains a proof should hold: the app's chain; or the chains with records at or after
 * `from`; or every listed and every anchored chain. A chain is exported whole (from seq 0 to its
 * head): a record is proven by the links from it up to the anchored head.
 */
export async function proofChains(service: AnchorService, filter: { appChain?: string; from?: string }): Promise<string[]> {
  if (filter.appChain) return [filter.appChain];
  const set = new Set<string>();
  if (filter.from) {
    for await (const chain of service.reader.chainsTouchedSince(filter.from)) set.add(chain);
  } else {
    for await (const chain of service.reader.listChains()) set.add(chain);
    const digests = await checkDigests(service.store, await service.publicKeyPem(), new BreakList());
    for (const chain of digests.anchored.keys()) set.add(chain);
  }
  return [...set].sort();
}

/** One page of a chain's records in ascending seq, from `fromSeq`. */
export async function chainRecordsPage(reader: ChainReader, chain: string, fromSeq: number, limit: number): Promise<{ items: AuditRecord[]; next?: number }> {
  const items: AuditRecord[] = [];
  let more = false;
  for await (const { record } of reader.readChain(chain, fromSeq)) {
    if (items.length >= limit) {
      more = true;
      break;
    }
    items.push(record);
  }
  return { items, ...(more ? { next: items[items.length - 1].seq + 1 } : {}) };
}
