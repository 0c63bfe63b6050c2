import { createHmac } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { commitStatusSummary } from '../functions/lib/commit-status/apis';
import type { LocalStack } from './stack';

/**
 * A path as the banner prints it: relative to the working directory when it lies inside it
 * (short to copy), absolute otherwise (a `../../tmp/...` path is harder to read and breaks
 * as soon as the user changes directory).
 */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

/** The real GitHub push sample (see events/README.md). */
const SAMPLE_EVENT = join(__dirname, '..', 'events', 'webhook', 'github-push.json');

/**
 * Writes the sample push body next to the data and returns a copy-paste `curl` that sends it
 * signed with the configured GitHub secret, or a hint when none is set.
 */
function sampleCurl(stack: LocalStack, githubSecret: string | undefined): string[] {
  if (!githubSecret) {
    return ['  (set GITHUB_WEBHOOK_SECRET before `npm start` and this banner prints a signed curl that sends a real GitHub push)'];
  }
  const event = JSON.parse(readFileSync(SAMPLE_EVENT, 'utf8')) as { body: string };
  const dir = join(process.cwd(), '.sentinel');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'sample-github-push.json');
  writeFileSync(file, event.body);
  const signature = createHmac('sha256', githubSecret).update(event.body).digest('hex');
  return [
    `  curl -s -X POST ${stack.url}/api/webhook -H 'content-type: application/json' \\`,
    `    -H 'x-github-event: push' -H "x-github-delivery: $(uuidgen 2>/dev/null || date +%s%N)" \\`,
    `    -H 'x-hub-signature-256: sha256=${signature}' --data-binary @${shown(file)}`,
    `  curl -s '${stack.url}/api/audit?limit=5' ${authFlag(stack)}`,
  ];
}

/** The curl flag sending the admin token, read from its file when there is one. */
function authFlag(stack: LocalStack): string {
  return stack.tokenFile ? `-H "Authorization: Bearer $(cat ${shown(stack.tokenFile)})"` : '-H "Authorization: Bearer <token>"';
}

/**
 * One line on who may do what: with no `access.rules`, every authenticated caller may do
 * everything (the deployed stack says the same at synth).
 */
export function accessLine(config: LocalStack['config']): string {
  const rules = config.access.rules;
  return rules
    ? `access policy: ${rules.length} rule(s) (access.rules), the admin token may do everything`
    : 'access policy: none (no access.rules): every authenticated caller may do everything';
}

/**
 * One warning per insecure setting (`insecureSettings`, the rule `cdk synth` refuses
 * unacknowledged ones by), so what would fail a deployment is seen on the laptop first.
 */
export function insecureLines(settings: LocalStack['insecure']): string[] {
  if (settings.length === 0) return [];
  return [
    '',
    ...settings.map(
      (s) =>
        `  WARNING    ${s.key}: ${s.problem}. A deployment refuses this ${s.acknowledged ? 'but it is acknowledged' : 'unless acknowledged'} ` +
        `(acknowledge: [${s.acknowledgement}]).`,
    ),
  ];
}

/** Where verified pushes are forwarded for ApplicationSets (docs/applicationset-webhook.md), if anywhere. */
function appsetLines(config: LocalStack['config']): string[] {
  const hooks = config.instances.filter((i) => i.applicationSetWebhook);
  if (hooks.length === 0) return [];
  return [`  appsets    pushes forwarded to ${hooks.map((i) => `${i.name} ${i.applicationSetWebhook!.url}`).join(', ')}`];
}

/** Where commit statuses go: the fake GitHub API with a curl listing a commit's statuses, or the configuration check's line. */
/** Where digests and the key are, or that anchoring is off. */
function anchorLine(stack: LocalStack): string {
  if (!stack.anchor) return 'off (audit chains not anchored)';
  return `${shown(stack.anchor.anchorsDir)} signed with ${shown(stack.anchor.keyPath)} (every minute and at shutdown; sentinel audit verify)`;
}

/** Where the admin token is kept and what needs it. */
function tokenLine(stack: LocalStack): string {
  if (!stack.tokenFile) return 'in memory';
  const created = stack.tokenCreated ? ' (created now, mode 0600)' : '';
  return `${shown(stack.tokenFile)}${created}: every route but /healthz and /api/webhook needs Authorization: Bearer <token>`;
}

function statusLine(stack: LocalStack): string {
  if (stack.statusApi) {
    return `fake GitHub status API ${stack.statusApi.url} (each status is printed here; GET /repos/OWNER/REPO/commits/SHA/statuses lists a commit's)`;
  }
  return commitStatusSummary(stack.config);
}

/** The start-up banner: URLs, which ArgoCD, where data lives, a curl to try. */
export function banner(stack: LocalStack, startupMs: number, githubSecret?: string): string {
  const argocd = stack.simulators
    ? `built-in SIMULATOR (no ARGOCD_SERVER set): ${Object.entries(stack.simulators.instances)
        .map(([n, s]) => `${n} ${s.url}`)
        .join(', ')}`
    : stack.config.instances.map((i) => `${i.name} -> ${i.server}`).join(', ');
  const lines = [
    '',
    `gitops-sentinel is running (ready in ${startupMs} ms)`,
    '',
    `  API        ${stack.url}`,
    `  webhook    POST ${stack.url}/api/webhook`,
    `  health     GET  ${stack.url}/healthz`,
    `  ArgoCD     ${argocd}`,
    `  DynamoDB   ${stack.dynamodbEndpoint} (embedded dynalite)`,
    `  data       ${stack.dataDir ?? 'in memory (lost on exit)'}`,
    `  anchors    ${anchorLine(stack)}`,
    `  token      ${tokenLine(stack)}`,
    `  access     ${accessLine(stack.config)}`,
    ...appsetLines(stack.config),
    `  statuses   ${statusLine(stack)}`,
    `  drift scan every ${stack.config.drift.scheduleMinutes} min${stack.config.drift.dryRun ? ' (dry run)' : ''}`,
    ...insecureLines(stack.insecure),
    '',
    'Try:',
    `  curl -s ${stack.url}/healthz`,
    `  curl -s ${stack.url}/api/apps ${authFlag(stack)}`,
    ...sampleCurl(stack, githubSecret),
    '',
    'Ctrl-C stops everything.',
  ];
  return lines.join('\n');
}
