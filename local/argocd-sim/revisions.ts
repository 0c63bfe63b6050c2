/** Revisions: branch and tag heads pushes move, and how a source's target resolves to a commit. */
import type { V1alpha1ApplicationSource } from '../../functions/lib/argocd/generated/models';
import { fakeSha, type SimState } from './core';

/** Points a branch or tag of a repo at a commit, as a push would. */
export function setHead(state: SimState, repoURL: string, ref: string, sha: string): void {
  state.heads.set(`${repoURL}#${ref}`, sha);
}

/** The commit a source's target revision (or `revision`) resolves to now. */
export function resolveRevision(state: SimState, source: V1alpha1ApplicationSource, revision?: string): string {
  const rev = revision || source.targetRevision || 'HEAD';
  if (source.chart) return rev;
  if (/^[0-9a-f]{40}$/.test(rev)) return rev;
  return state.heads.get(`${source.repoURL}#${rev}`) ?? fakeSha(`${source.repoURL}#${rev}`);
}
