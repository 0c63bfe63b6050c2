/**
 * Which repositories a webhook secret may sign for. A secret's `repositories` holds normalised
 * repository URLs (`github.com/acme/app`) or picomatch globs on them (`github.com/acme/*`;
 * `**` crosses GitLab subgroups); without a list a secret covers every repository.
 */
import picomatch from 'picomatch';
import { normalizeRepoUrl } from '../matching/normalize-repo-url';

const GLOB = /[*?[\]{}()!+@]/;
const compiled = new Map<string, (key: string) => boolean>();

/** A matcher for one pattern: exact (after normalising it like a URL) or a glob on the normalised key. */
function matcherFor(pattern: string): (key: string) => boolean {
  let m = compiled.get(pattern);
  if (!m) {
    if (GLOB.test(pattern)) m = picomatch(pattern.toLowerCase(), { dot: true });
    else {
      const exact = normalizeRepoUrl(pattern);
      m = (key) => key === exact;
    }
    compiled.set(pattern, m);
  }
  return m;
}

/**
 * True when every URL the payload names for its repository is covered by every scope. Every
 * URL must be covered, since matching looks apps up by each of them: one allowed URL must not
 * carry a foreign one along.
 * @param scopes one list per secret part (Azure DevOps: the username's and the password's);
 *   an absent list covers everything
 * @param repoUrls the payload's repository URLs
 * @example repositoryAllowed([['github.com/acme/*']], ['https://github.com/acme/app.git']) // true
 */
export function repositoryAllowed(scopes: ReadonlyArray<readonly string[] | undefined>, repoUrls: readonly string[]): boolean {
  const keys = repoUrls.map(normalizeRepoUrl);
  return scopes.every((patterns) => patterns === undefined || keys.every((key) => key !== '' && patterns.some((p) => matcherFor(p)(key))));
}
