/**
 * The local-mode `AnchorStore`: one file per digest under a folder (`.sentinel/anchors/`),
 * written read-only to a temporary file and then hard-linked to its name: `link` fails when the
 * name exists, so the create is exclusive, and a reader never sees a half-written digest. This stops the audit
 * table's writers and accidents, not someone with this file system (docs/audit-table.md).
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { AnchorStore, CreateOutcome } from './anchor-store';

/** Digests as files under `root`; a name's `/` becomes a sub-folder. */
export class FileAnchorStore implements AnchorStore {
  constructor(readonly root: string) {}

  private pathOf(name: string): string {
    if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(name) || name.split('/').some((p) => p === '..' || p === '.')) {
      throw new TypeError(`[gitops-sentinel/anchor] not a valid anchor name: ${JSON.stringify(name.slice(0, 80))}`);
    }
    return join(this.root, ...name.split('/'));
  }

  async list(prefix: string): Promise<string[]> {
    const dir = join(this.root, ...prefix.split('/').slice(0, -1));
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return entries
      .map((e) => relative(this.root, join(dir, e)).split(sep).join('/'))
      .filter((n) => n.startsWith(prefix) && !n.includes('.tmp-'))
      .sort();
  }

  async get(name: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.pathOf(name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async create(name: string, bytes: Uint8Array): Promise<CreateOutcome> {
    const path = this.pathOf(name);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
    await writeFile(tmp, bytes, { flag: 'wx', mode: 0o444 });
    try {
      await link(tmp, path);
      return 'created';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
      throw error;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }
}
