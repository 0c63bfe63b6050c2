/**
 * Repository URL normalisation: every spelling of one Git repository becomes one key.
 *
 * ArgoCD compares a push's web URL with an Application's `repoURL` through a regular
 * expression that ignores the scheme (http, https, ssh), user info, port, letter case, an
 * `ssh.`/`altssh.` host prefix and a trailing `.git` (util/webhook/webhook.go
 * `GetWebURLRegex`; util/git `NormalizeGitURL`). We turn both sides into the same key
 * instead, so that a push can look its apps up in a Map rather than test a regex per app.
 */

/** Scheme prefix such as `https://`, `ssh://`, `git+ssh://`. */
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//;

/**
 * scp-like syntax `[user@]host:path` (no scheme). The host may not contain `/` or `:`,
 * which is also how git itself tells it from a local path.
 */
const SCP = /^(?:[^@/]*@)?([^@/:]+):(.*)$/;

/** Host prefixes that providers put in front of their SSH endpoints (ArgoCD's regex allows them too). */
const SSH_HOST_PREFIX = /^(?:alt)?ssh\.(?=[^.]+\.)/;

/**
 * Normalises a Git repository URL to a canonical key, `host/path`, lower case.
 *
 * Accepted spellings: `https://`, `http://`, `ssh://`, `git://` (any scheme), the scp form
 * `git@host:org/repo`, and a bare `host/org/repo`. Dropped: scheme, user info (credentials
 * included), port, query, fragment, empty and `.` path segments, any trailing `.git`, a
 * trailing slash, a trailing dot on the host and an `ssh.`/`altssh.` host prefix
 * (`ssh.dev.azure.com`, `altssh.gitlab.com`). Path segments are percent-decoded and
 * re-encoded, so `My%20Project` and `My Project` agree. Azure DevOps' SSH form
 * (`ssh.dev.azure.com:v3/org/project/repo`) and its legacy `org.visualstudio.com` host map
 * to the `dev.azure.com/org/project/_git/repo` form its webhooks send.
 *
 * The function never throws and is idempotent: `normalizeRepoUrl(normalizeRepoUrl(x))`
 * equals `normalizeRepoUrl(x)`. A value with no host or path (e.g. `""`) gives `""`, which
 * matching treats as "matches nothing".
 *
 * @param url - a repository URL as found in an Application source or a webhook payload
 * @returns the canonical key, e.g. `github.com/argoproj/argo-cd`
 * @example
 * normalizeRepoUrl('git@GitHub.com:ArgoProj/Argo-CD.git') // 'github.com/argoproj/argo-cd'
 * normalizeRepoUrl('https://user:token@github.com:443/argoproj/argo-cd/') // same
 */
export function normalizeRepoUrl(url: string): string {
  if (typeof url !== 'string') return '';
  let rest = url.trim().toLowerCase();
  if (rest === '') return '';

  // Query and fragment never name a different repository.
  rest = rest.replace(/[?#].*$/s, '');

  let authority: string;
  let path: string;
  const scheme = SCHEME.exec(rest);
  if (scheme) {
    rest = rest.slice(scheme[0].length);
    const slash = rest.indexOf('/');
    authority = slash < 0 ? rest : rest.slice(0, slash);
    path = slash < 0 ? '' : rest.slice(slash + 1);
  } else {
    const scp = SCP.exec(rest);
    if (scp && !scp[1].startsWith('[')) {
      authority = scp[1];
      // As git reads it, everything after the colon is the path: `git@host:2222/org/repo`
      // is repository `2222/org/repo`, not port 2222 (that needs `ssh://git@host:2222/org/repo`).
      path = scp[2];
    } else {
      const slash = rest.indexOf('/');
      authority = slash < 0 ? rest : rest.slice(0, slash);
      path = slash < 0 ? '' : rest.slice(slash + 1);
    }
  }

  const host = normalizeHost(authority);
  let segments = normalizeSegments(path);
  const mapped = mapAzureDevOps(host, segments);
  segments = mapped.segments;
  if (mapped.host === '' && segments.length === 0) return '';
  return [encodeSegment(mapped.host), ...segments.map(encodeSegment)].join('/');
}

/** Host without user info, port, trailing dots or SSH prefix. */
function normalizeHost(authority: string): string {
  let host = authority;
  const at = host.lastIndexOf('@');
  if (at >= 0) host = host.slice(at + 1);
  host = safeDecode(host).toLowerCase();
  if (host.startsWith('[')) {
    // IPv6 literal: keep the brackets, drop a port after them.
    const close = host.indexOf(']');
    host = close < 0 ? host : host.slice(0, close + 1);
  } else {
    const colon = host.indexOf(':');
    if (colon >= 0) host = host.slice(0, colon);
  }
  host = host.replace(/\.+$/, '');
  // Strip repeatedly so that the result is stable (idempotence), but never down to a bare TLD.
  while (SSH_HOST_PREFIX.test(host)) host = host.replace(SSH_HOST_PREFIX, '');
  return host;
}

/** Decoded path segments without empty or `.` segments and without a trailing `.git`. */
function normalizeSegments(path: string): string[] {
  let segments = path.split('/').map((s) => safeDecode(s).toLowerCase());
  for (;;) {
    segments = segments.filter((s) => s !== '' && s !== '.');
    const last = segments.length - 1;
    if (last >= 0 && segments[last].endsWith('.git')) {
      segments[last] = segments[last].slice(0, -4);
      continue;
    }
    return segments;
  }
}

/**
 * Azure DevOps names one repository three ways; its webhooks send the `dev.azure.com` one.
 * SSH: `ssh.dev.azure.com:v3/org/project/repo` (host prefix already stripped) and
 * `vs-ssh.visualstudio.com:v3/org/project/repo`; legacy HTTPS:
 * `org.visualstudio.com[/DefaultCollection]/project/_git/repo`.
 */
function mapAzureDevOps(host: string, segments: string[]): { host: string; segments: string[] } {
  if ((host === 'dev.azure.com' || host === 'vs-ssh.visualstudio.com') && segments.length === 4 && segments[0] === 'v3' && segments[2] !== '_git') {
    return { host: 'dev.azure.com', segments: [segments[1], segments[2], '_git', segments[3]] };
  }
  const legacy = /^([^.]+)\.visualstudio\.com$/.exec(host);
  if (legacy && legacy[1] !== 'vs-ssh') {
    const rest = segments[0] === 'defaultcollection' ? segments.slice(1) : segments;
    if (rest.length === 3 && rest[1] === '_git') return { host: 'dev.azure.com', segments: [legacy[1], ...rest] };
  }
  return { host, segments };
}

/** `decodeURIComponent`, or the input when it is not valid percent-encoding. */
function safeDecode(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Re-encodes a decoded, lower-cased segment. Decoding then encoding makes every spelling of
 * a segment agree, and since `decode(encode(s)) === s` the output is a fixed point
 * (idempotence). The escapes' hex digits are lower-cased as well, since a second pass
 * lower-cases its input first.
 */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).toLowerCase();
}
