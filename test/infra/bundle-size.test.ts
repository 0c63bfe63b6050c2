import { bundleFunction, type BundleResult } from '../../infra/bundle-report';
import { FUNCTION_NAMES, type FunctionName } from '../../infra/bundling';

const KB = 1024;

describe('bundle sizes (deployed esbuild options)', () => {
  const bundles = {} as Record<FunctionName, BundleResult>;
  /** Size plus the heaviest packages, so a failure says what to cut. */
  const report = (name: FunctionName) => ({
    name,
    kb: Math.round(bundles[name].bytes / KB),
    heaviest: bundles[name].packages.slice(0, 4).map((p) => `${p.name} ${Math.round(p.bytes / KB)} KB`),
  });

  beforeAll(async () => {
    for (const name of FUNCTION_NAMES) bundles[name] = await bundleFunction(name);
  });

  it('keeps the webhook function under 250 KB minified', () => {
    // On failure the received value is the report: size and the heaviest packages.
    expect(bundles.webhook.bytes < 250 * KB ? 'under 250 KB' : report('webhook')).toBe('under 250 KB');
  });

  it('keeps every function under 1 MB', () => {
    const over = FUNCTION_NAMES.filter((n) => bundles[n].bytes >= 1024 * KB).map(report);
    expect(over).toEqual([]);
  });

  it('leaves the AWS SDK out of every bundle, and axios and the ArgoCD client out of the webhook', () => {
    for (const name of FUNCTION_NAMES) expect(bundles[name].inputs.filter((i) => i.includes('node_modules/@aws-sdk/'))).toEqual([]);
    // DESIGN.md: the webhook function never pulls in axios or the ArgoCD client.
    expect(bundles.webhook.inputs.filter((i) => i.includes('node_modules/axios/') || i.includes('functions/lib/argocd/'))).toEqual([]);
    // The notifier never calls ArgoCD: no client, no token, no axios in its bundle.
    expect(bundles.notifier.inputs.filter((i) => i.includes('node_modules/axios/') || i.includes('functions/lib/argocd/'))).toEqual([]);
    expect(bundles.webhook.inputs.some((i) => i.includes('functions/lib/providers/'))).toBe(true);
    // axios's multipart support (form-data and its 130 KB mime-db) is swapped for Node's FormData.
    for (const name of FUNCTION_NAMES)
      expect(bundles[name].inputs.filter((i) => /node_modules\/(form-data|mime-db|mime-types|combined-stream)\//.test(i))).toEqual([]);
    // Only drift-scan and the operator API read drift state; the others do not carry its DynamoDB adapter.
    const withDriftStore = FUNCTION_NAMES.filter((n) => bundles[n].inputs.some((i) => i.endsWith('functions/lib/drift/dynamodb-drift-state-store.ts')));
    expect(withDriftStore).toEqual(['drift-scan', 'operator-api']);
    // Deployed functions get their configuration as JSON; no YAML parser rides along.
    expect(bundles.webhook.inputs.filter((i) => i.includes('node_modules/js-yaml/'))).toEqual([]);
  });
});
