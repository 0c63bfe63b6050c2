/**
 * What the operator API needs of the anchoring, whichever way it is deployed: read the digests
 * and the public key (to verify and to export proofs) and ask for a digest now. Locally the
 * run happens in process with the local key; deployed, the anchor function alone can sign, so
 * `anchorNow` invokes it.
 */
import type { ChainReader } from '../audit/audit-store';
import type { AuditRecord } from '../audit/types';
import type { AnchorStore } from './anchor-store';
import { DIGEST_PREFIX, partName } from './digest';
import type { AnchorResult } from './types';
import { BreakList, chainsPage, findCheckpoint } from './verify-anchored';

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

/**
 * Most digest bytes per `digestsPage`, below API Gateway's and Lambda's 6 MB response limit
 * once base64-encoded. No file is bigger than about `MAX_PART_BYTES` (1 MB): heads beyond that
 * go to parts, fetched one by one with {@link digestPart}.
 */
export const MAX_DIGEST_PAGE_BYTES = 3_000_000;

/**
 * One page of digest files (raw bytes, base64), in seq order, after the name `after`; with
 * `from: 'checkpoint'` the first page starts at the newest validly signed checkpoint (what a
 * verification from the newest checkpoint needs), else at digest 0.
 */
export async function digestsPage(
  store: AnchorStore,
  options: { after?: string; limit?: number; from?: 'checkpoint' | 'all'; publicKeyPem?: string } = {},
): Promise<{ items: Array<{ name: string; base64: string }>; next?: string }> {
  const limit = Math.min(Math.max(1, options.limit ?? 100), 1000);
  let names = await store.list(DIGEST_PREFIX);
  if (options.after !== undefined) names = names.filter((n) => n > options.after!);
  else if (options.from === 'checkpoint') {
    if (!options.publicKeyPem) throw new TypeError('[gitops-sentinel/anchor] digestsPage from the checkpoint needs the public key');
    const found = await findCheckpoint(store, options.publicKeyPem, names);
    if (found) names = names.slice(found.index);
  }
  const items: Array<{ name: string; base64: string }> = [];
  let bytes = 0;
  for (const name of names) {
    if (items.length >= limit) break;
    const body = await store.get(name);
    const base64 = body ? Buffer.from(body).toString('base64') : '';
    // Always hand out at least one file, so a page never stalls (every file is bounded, see above).
    if (items.length > 0 && bytes + base64.length > MAX_DIGEST_PAGE_BYTES) break;
    bytes += base64.length;
    items.push({ name, base64 });
  }
  const last = items[items.length - 1];
  return { items, ...(last && names[names.length - 1] !== last.name ? { next: last.name } : {}) };
}

/**
 * One part of digest `seq` (base64), named by its hash; undefined when there is none. The name
 * is built from a number and 64 hex digits, so a caller cannot read any other object.
 */
export async function digestPart(store: AnchorStore, seq: number, hash: string): Promise<{ name: string; base64: string } | undefined> {
  if (!Number.isSafeInteger(seq) || seq < 0 || !/^[0-9a-f]{64}$/.test(hash)) throw new TypeError('[gitops-sentinel/anchor] not a digest part');
  const name = partName(seq, hash);
  const body = await store.get(name);
  return body ? { name, base64: Buffer.from(body).toString('base64') } : undefined;
}

/** Chains per page of {@link proofChains}, by default and at most. */
export const PROOF_CHAINS_PAGE = 5000;

/**
 * One page of the chains a proof should hold, in by-chain order after `after`: the app's
 * chain; or the chains with records at or after `from`; or every listed and every anchored
 * chain (anchored ones from the newest checkpoint on). A chain is exported whole (from seq 0
 * to its head): a record is proven by the links from it up to the anchored head.
 */
export async function proofChains(
  service: AnchorService,
  filter: { appChain?: string; from?: string; after?: string; limit?: number },
): Promise<{ chains: string[]; next?: string }> {
  const after = filter.after ?? '';
  const limit = Math.min(Math.max(1, filter.limit ?? PROOF_CHAINS_PAGE), PROOF_CHAINS_PAGE);
  if (filter.appChain) return { chains: filter.appChain > after ? [filter.appChain] : [] };
  if (filter.from) {
    const set = new Set<string>();
    for await (const chain of service.reader.chainsTouchedSince(filter.from)) if (chain > after) set.add(chain);
    const sorted = [...set].sort();
    const chains = sorted.slice(0, limit);
    return { chains, ...(sorted.length > limit ? { next: chains[chains.length - 1] } : {}) };
  }
  const page = await chainsPage({ reader: service.reader, store: service.store, publicKeyPem: await service.publicKeyPem() }, new BreakList(), {
    after,
    limit,
  });
  return { chains: page.chains, ...(page.more !== undefined ? { next: page.more } : {}) };
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
