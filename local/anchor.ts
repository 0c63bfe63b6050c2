/**
 * Local anchoring: the P-256 key in `<dir>/anchor-key.pem` (mode 0600, made on first start)
 * signs digests written once to `<dir>/anchors/`. Runs are serialised in process, so an
 * `anchor` request during a scheduled run waits for it instead of losing the race.
 */
import { join } from 'node:path';
import { FileAnchorStore, LocalKeySigner, runAnchor, type AnchorRunOptions, type AnchorService } from '../functions/lib/anchor';
import type { ChainReader } from '../functions/lib/audit/audit-store';
import type { PartialLogger } from '../functions/lib/observability/simple-logger';

/** Options of {@link createLocalAnchor}. */
export interface LocalAnchorOptions {
  /** Folder of the key and the digests (`.sentinel` by default in the stack). */
  dir: string;
  reader: ChainReader;
  now?: () => Date;
  log?: PartialLogger;
  /** Options of every run (checkpoint interval, margin). */
  runOptions?: AnchorRunOptions;
}

/** The anchor service of the local stack, and where its files are. */
export interface LocalAnchor extends AnchorService {
  keyPath: string;
  anchorsDir: string;
}

export function createLocalAnchor(options: LocalAnchorOptions): LocalAnchor {
  const keyPath = join(options.dir, 'anchor-key.pem');
  const anchorsDir = join(options.dir, 'anchors');
  const signer = LocalKeySigner.open(keyPath);
  const store = new FileAnchorStore(anchorsDir);
  let tail: Promise<unknown> = Promise.resolve();
  return {
    keyPath,
    anchorsDir,
    reader: options.reader,
    store,
    publicKeyPem: () => signer.publicKeyPem(),
    anchorNow(o = {}) {
      const run = tail.then(() => runAnchor({ reader: options.reader, store, signer, now: options.now, log: options.log }, { ...options.runOptions, ...o }));
      tail = run.catch(() => undefined);
      return run;
    },
  };
}
