import type { LocalStack } from './stack';

/** The start-up banner: URLs, which ArgoCD, where data lives, a curl to try. */
export function banner(stack: LocalStack, startupMs: number): string {
  const lines = [
    '',
    `gitops-sentinel is running (ready in ${startupMs} ms)`,
    '',
    `  API        ${stack.url}`,
    `  webhook    POST ${stack.url}/api/webhook`,
    `  health     GET  ${stack.url}/healthz`,
    `  DynamoDB   ${stack.dynamodbEndpoint} (embedded dynalite)`,
    `  data       ${stack.dataDir ?? 'in memory (lost on exit)'}`,
    `  ArgoCD     ${stack.config.instances.length ? stack.config.instances.map((i) => `${i.name} -> ${i.server}`).join(', ') : 'none configured'}`,
    '',
    'Try:',
    `  curl -s ${stack.url}/healthz`,
    '',
    'Ctrl-C stops everything.',
  ];
  return lines.join('\n');
}
