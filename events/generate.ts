/**
 * Writes the sample API Gateway (HTTP API, payload v2) webhook events in `events/webhook/`,
 * signed with the documented test secrets (see README.md). Run: `npx tsx events/generate.ts`.
 * Bodies come from ArgoCD's own webhook test payloads where one exists
 * (`shared/reference/argocd/webhook-payloads/`, Apache-2.0), realistic ones otherwise.
 */
import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';

const REFERENCE = process.env.ARGOCD_REFERENCE ?? '/work/shared/reference/argocd/webhook-payloads';
const OUT = path.join(__dirname, 'webhook');

/** Test secrets the samples are signed with. Never use them anywhere real. */
export const TEST_SECRETS = {
  hmac: 'sentinel-test-secret',
  bitbucketCloudUuid: '{8b2f3c5e-1d2a-4e6f-9a0b-7c1d2e3f4a5b}',
  azureDevOpsUsername: 'sentinel',
  azureDevOpsPassword: 'sentinel-test-secret',
};

const hmac = (body: string) => createHmac('sha256', TEST_SECRETS.hmac).update(body).digest('hex');
const ref = (file: string) => readFileSync(path.join(REFERENCE, file), 'utf8');

function event(name: string, headers: Record<string, string>, body: string, isBase64Encoded = false) {
  const when = new Date('2025-01-15T10:00:00.000Z');
  return {
    version: '2.0',
    routeKey: 'POST /api/webhook',
    rawPath: '/api/webhook',
    rawQueryString: '',
    headers: {
      'content-type': 'application/json',
      host: 'abc123.execute-api.eu-west-1.amazonaws.com',
      'x-forwarded-proto': 'https',
      ...headers,
      'content-length': String(Buffer.byteLength(isBase64Encoded ? Buffer.from(body, 'base64') : body)),
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method: 'POST', path: '/api/webhook', protocol: 'HTTP/1.1', sourceIp: '192.0.2.10', userAgent: headers['user-agent'] ?? 'webhook-sender' },
      requestId: `req-${name}`,
      routeKey: 'POST /api/webhook',
      stage: '$default',
      time: '15/Jan/2025:10:00:00 +0000',
      timeEpoch: when.getTime(),
    },
    body,
    isBase64Encoded,
  };
}

const SHA_A = '9f0c3e0a7a1d4c2b8e6f5a4b3c2d1e0f9a8b7c6d';
const SHA_B = 'b1946ac92492d2347c6235b4d2611184b1946ac9';

const githubDelete = JSON.stringify({
  ref: 'refs/heads/feature/old',
  before: SHA_A,
  after: '0000000000000000000000000000000000000000',
  created: false,
  deleted: true,
  forced: false,
  base_ref: null,
  compare: 'https://github.com/acme/platform-config/compare/9f0c3e0a7a1d...000000000000',
  commits: [],
  head_commit: null,
  repository: {
    id: 1,
    name: 'platform-config',
    full_name: 'acme/platform-config',
    html_url: 'https://github.com/acme/platform-config',
    url: 'https://github.com/acme/platform-config',
    git_url: 'git://github.com/acme/platform-config.git',
    ssh_url: 'git@github.com:acme/platform-config.git',
    clone_url: 'https://github.com/acme/platform-config.git',
    default_branch: 'main',
    master_branch: 'main',
  },
  pusher: { name: 'octocat', email: 'octocat@example.com' },
  sender: { login: 'octocat', id: 1 },
});

const gitlabProject = {
  id: 15,
  name: 'platform-config',
  description: '',
  web_url: 'https://gitlab.example.com/acme/platform-config',
  avatar_url: null,
  git_ssh_url: 'git@gitlab.example.com:acme/platform-config.git',
  git_http_url: 'https://gitlab.example.com/acme/platform-config.git',
  namespace: 'acme',
  visibility_level: 0,
  path_with_namespace: 'acme/platform-config',
  default_branch: 'main',
  homepage: 'https://gitlab.example.com/acme/platform-config',
  url: 'git@gitlab.example.com:acme/platform-config.git',
  ssh_url: 'git@gitlab.example.com:acme/platform-config.git',
  http_url: 'https://gitlab.example.com/acme/platform-config.git',
};
const gitlabRepository = {
  name: 'platform-config',
  url: 'git@gitlab.example.com:acme/platform-config.git',
  description: '',
  homepage: 'https://gitlab.example.com/acme/platform-config',
  git_http_url: 'https://gitlab.example.com/acme/platform-config.git',
  git_ssh_url: 'git@gitlab.example.com:acme/platform-config.git',
  visibility_level: 0,
};
const gitlabTag = JSON.stringify({
  object_kind: 'tag_push',
  event_name: 'tag_push',
  before: '0000000000000000000000000000000000000000',
  after: SHA_B,
  ref: 'refs/tags/v1.4.0',
  ref_protected: true,
  checkout_sha: SHA_B,
  user_id: 1,
  user_name: 'Jane Admin',
  user_username: 'jane',
  user_avatar: '',
  project_id: 15,
  project: gitlabProject,
  commits: [],
  total_commits_count: 0,
  push_options: {},
  repository: gitlabRepository,
});
const gitlabSystem = JSON.stringify({
  object_kind: 'push',
  event_name: 'push',
  before: SHA_A,
  after: SHA_B,
  ref: 'refs/heads/main',
  ref_protected: true,
  checkout_sha: SHA_B,
  user_id: 4,
  user_name: 'John Smith',
  user_username: 'jsmith',
  user_email: 'john@example.com',
  user_avatar: '',
  project_id: 15,
  project: gitlabProject,
  repository: gitlabRepository,
  commits: [
    {
      id: SHA_B,
      message: 'Bump guestbook to 1.4.0\n',
      title: 'Bump guestbook to 1.4.0',
      timestamp: '2025-01-15T09:58:00+00:00',
      url: `https://gitlab.example.com/acme/platform-config/-/commit/${SHA_B}`,
      author: { name: 'John Smith', email: 'john@example.com' },
      added: [],
      modified: ['apps/guestbook/values.yaml'],
      removed: [],
    },
  ],
  total_commits_count: 1,
});

const bitbucketCloud = JSON.stringify({
  push: {
    changes: [
      {
        forced: false,
        old: { type: 'branch', name: 'main', target: { type: 'commit', hash: SHA_A } },
        new: {
          type: 'branch',
          name: 'main',
          target: {
            type: 'commit',
            hash: SHA_B,
            date: '2025-01-15T09:58:00+00:00',
            message: 'Bump guestbook to 1.4.0\n',
            author: { type: 'author', raw: 'Jane Doe <jane@example.com>' },
          },
        },
        created: false,
        closed: false,
        truncated: false,
        commits: [
          {
            type: 'commit',
            hash: SHA_B,
            date: '2025-01-15T09:58:00+00:00',
            message: 'Bump guestbook to 1.4.0\n',
            author: {
              type: 'author',
              raw: 'Jane Doe <jane@example.com>',
              user: { display_name: 'Jane Doe', nickname: 'jdoe', type: 'user', uuid: '{d301aafa-d676-4ee0-88be-962be7417567}' },
            },
          },
        ],
      },
    ],
  },
  repository: {
    type: 'repository',
    full_name: 'acme/platform-config',
    name: 'platform-config',
    scm: 'git',
    is_private: true,
    uuid: '{b7a9d1f4-4f0c-4b7e-9d1e-0c8f3e2a1b5c}',
    links: { html: { href: 'https://bitbucket.org/acme/platform-config' }, self: { href: 'https://api.bitbucket.org/2.0/repositories/acme/platform-config' } },
    mainbranch: { type: 'branch', name: 'main' },
  },
  actor: { display_name: 'Jane Doe', nickname: 'jdoe', type: 'user', uuid: '{d301aafa-d676-4ee0-88be-962be7417567}', account_id: '557058:1234' },
});

const giteaPush = JSON.stringify({
  ref: 'refs/heads/main',
  before: SHA_A,
  after: SHA_B,
  compare_url: `https://gitea.example.com/acme/platform-config/compare/${SHA_A}...${SHA_B}`,
  commits: [
    {
      id: SHA_B,
      message: 'Bump guestbook to 1.4.0\n',
      url: `https://gitea.example.com/acme/platform-config/commit/${SHA_B}`,
      author: { name: 'Jane Doe', email: 'jane@example.com', username: 'jane' },
      committer: { name: 'Jane Doe', email: 'jane@example.com', username: 'jane' },
      verification: null,
      timestamp: '2025-01-15T09:58:00Z',
      added: ['apps/guestbook/NOTES.txt'],
      removed: [],
      modified: ['apps/guestbook/values.yaml'],
    },
  ],
  total_commits: 1,
  head_commit: null,
  repository: {
    id: 7,
    owner: { id: 1, login: 'acme', username: 'acme' },
    name: 'platform-config',
    full_name: 'acme/platform-config',
    private: true,
    html_url: 'https://gitea.example.com/acme/platform-config',
    ssh_url: 'git@gitea.example.com:acme/platform-config.git',
    clone_url: 'https://gitea.example.com/acme/platform-config.git',
    default_branch: 'main',
  },
  pusher: { id: 1, login: 'jane', username: 'jane', email: 'jane@example.com' },
  sender: { id: 1, login: 'jane', username: 'jane', email: 'jane@example.com' },
});

const bitbucketServerPing = JSON.stringify({ test: true });
const azureBasic = `Basic ${Buffer.from(`${TEST_SECRETS.azureDevOpsUsername}:${TEST_SECRETS.azureDevOpsPassword}`).toString('base64')}`;

const githubCommit = ref('github-commit-event.json');
const form = `payload=${encodeURIComponent(githubCommit)}`;

const samples: Array<[string, Record<string, string>, string, boolean?]> = [
  [
    'github-push',
    {
      'user-agent': 'GitHub-Hookshot/abc',
      'x-github-event': 'push',
      'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      'x-hub-signature-256': `sha256=${hmac(githubCommit)}`,
    },
    githubCommit,
  ],
  [
    'github-push-base64',
    {
      'user-agent': 'GitHub-Hookshot/abc',
      'x-github-event': 'push',
      'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0959',
      'x-hub-signature-256': `sha256=${hmac(githubCommit)}`,
    },
    Buffer.from(githubCommit).toString('base64'),
    true,
  ],
  [
    'github-push-form',
    {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'GitHub-Hookshot/abc',
      'x-github-event': 'push',
      'x-github-delivery': '8a1f5c2e-cc78-11e3-81ab-4c9367dc0958',
      'x-hub-signature-256': `sha256=${hmac(form)}`,
    },
    form,
  ],
  [
    'github-tag',
    {
      'user-agent': 'GitHub-Hookshot/abc',
      'x-github-event': 'push',
      'x-github-delivery': '9b2e6d3f-cc78-11e3-81ab-4c9367dc0958',
      'x-hub-signature-256': `sha256=${hmac(ref('github-tag-event.json'))}`,
    },
    ref('github-tag-event.json'),
  ],
  [
    'github-ping',
    {
      'user-agent': 'GitHub-Hookshot/abc',
      'x-github-event': 'ping',
      'x-github-delivery': 'ac3f7e40-cc78-11e3-81ab-4c9367dc0958',
      'x-hub-signature-256': `sha256=${hmac(ref('github-ping-event.json'))}`,
    },
    ref('github-ping-event.json'),
  ],
  [
    'github-branch-delete',
    {
      'user-agent': 'GitHub-Hookshot/abc',
      'x-github-event': 'push',
      'x-github-delivery': 'bd408f51-cc78-11e3-81ab-4c9367dc0958',
      'x-hub-signature-256': `sha256=${hmac(githubDelete)}`,
    },
    githubDelete,
  ],
  [
    'github-ghcr-package',
    {
      'user-agent': 'GitHub-Hookshot/abc',
      'x-github-event': 'package',
      'x-github-delivery': 'ce519062-cc78-11e3-81ab-4c9367dc0958',
      'x-hub-signature-256': `sha256=${hmac(ref('ghcr-package-event.json'))}`,
    },
    ref('ghcr-package-event.json'),
  ],
  [
    'gitlab-push',
    {
      'user-agent': 'GitLab/17.7.0',
      'x-gitlab-event': 'Push Hook',
      'x-gitlab-token': TEST_SECRETS.hmac,
      'x-gitlab-event-uuid': '13792a34-cac6-4fda-95a8-c58e00a3954e',
      'x-gitlab-instance': 'https://gitlab.com',
    },
    ref('gitlab-event.json'),
  ],
  [
    'gitlab-tag-push',
    {
      'user-agent': 'GitLab/17.7.0',
      'x-gitlab-event': 'Tag Push Hook',
      'x-gitlab-token': TEST_SECRETS.hmac,
      'x-gitlab-event-uuid': '24803b45-dbd7-4aeb-a6b9-d69f11b4a65f',
      'x-gitlab-instance': 'https://gitlab.example.com',
    },
    gitlabTag,
  ],
  [
    'gitlab-system-hook',
    {
      'user-agent': 'GitLab/17.7.0',
      'x-gitlab-event': 'System Hook',
      'x-gitlab-token': TEST_SECRETS.hmac,
      'x-gitlab-event-uuid': '35914c56-ece8-4bfc-b7ca-e7a22c5b7b60',
      'x-gitlab-instance': 'https://gitlab.example.com',
    },
    gitlabSystem,
  ],
  [
    'bitbucket-cloud-push',
    {
      'user-agent': 'Bitbucket-Webhooks/2.0',
      'x-event-key': 'repo:push',
      'x-hook-uuid': TEST_SECRETS.bitbucketCloudUuid,
      'x-request-uuid': 'a8c3b1f0-5e6d-4c7b-8a9f-0e1d2c3b4a59',
      'x-attempt-number': '1',
    },
    bitbucketCloud,
  ],
  [
    'bitbucket-server-push',
    {
      'user-agent': 'Atlassian HttpClient 4.2.0',
      'x-event-key': 'repo:refs_changed',
      'x-request-id': 'b9d4c2e1-6f7e-4d8c-9b0a-1f2e3d4c5b6a',
      'x-hub-signature': `sha256=${hmac(ref('bitbucket-server-event.json'))}`,
    },
    ref('bitbucket-server-event.json'),
  ],
  [
    'bitbucket-server-ping',
    {
      'user-agent': 'Atlassian HttpClient 4.2.0',
      'x-event-key': 'diagnostics:ping',
      'x-request-id': 'cae5d3f2-7a8f-4e9d-8c1b-2a3f4e5d6c7b',
      'x-hub-signature': `sha256=${hmac(bitbucketServerPing)}`,
    },
    bitbucketServerPing,
  ],
  [
    'gitea-push',
    {
      'user-agent': 'Go-http-client/1.1',
      'x-gitea-event': 'push',
      'x-gitea-event-type': 'push',
      'x-gitea-delivery': 'd7f6e4a3-8b9c-4fae-9d2c-3b4a5f6e7d8c',
      'x-gitea-signature': hmac(giteaPush),
      'x-gogs-event': 'push',
      'x-gogs-delivery': 'd7f6e4a3-8b9c-4fae-9d2c-3b4a5f6e7d8c',
      'x-gogs-signature': hmac(giteaPush),
      'x-github-event': 'push',
      'x-github-delivery': 'd7f6e4a3-8b9c-4fae-9d2c-3b4a5f6e7d8c',
      'x-hub-signature-256': `sha256=${hmac(giteaPush)}`,
    },
    giteaPush,
  ],
  [
    'gogs-push',
    {
      'user-agent': 'GogsServer',
      'x-gogs-event': 'push',
      'x-gogs-delivery': 'e8a7f5b4-9cad-4fbf-ae3d-4c5b6a7f8e9d',
      'x-gogs-signature': hmac(ref('gogs-event.json')),
    },
    ref('gogs-event.json'),
  ],
  [
    'azure-devops-push',
    {
      'user-agent': 'VSServices/16.255.0',
      'x-vss-activityid': 'f9b8a6c5-adbe-4ac0-bf4e-5d6c7b8a9f0e',
      'x-vss-subscriptionid': '8fd412f1-9873-4b45-8854-655b1b8a2eff',
      authorization: azureBasic,
    },
    ref('azuredevops-git-push-event.json'),
  ],
];

mkdirSync(OUT, { recursive: true });
for (const [name, headers, body, b64] of samples) {
  writeFileSync(path.join(OUT, `${name}.json`), `${JSON.stringify(event(name, headers, body, b64), null, 2)}\n`);
}
console.log(JSON.stringify({ written: samples.map(([n]) => `events/webhook/${n}.json`) }, null, 2));
