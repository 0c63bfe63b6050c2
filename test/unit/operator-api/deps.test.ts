import { DynamoDBDriftStateStore } from '../../../functions/lib/drift';
import { argocdFor, buildCoreDeps } from '../../../functions/lib/runtime/core-deps';
import { withOperatorDeps } from '../../../functions/operator-api/handler';

/**
 * What each deployed function builds: the shared dependencies carry neither the drift state
 * store nor other purposes' ArgoCD clients; the operator API adds both (the only function acting
 * with the importer's or the scanner's token, besides drift-scan's own).
 */
describe('deployed dependencies per function', () => {
  const env = {
    AWS_REGION: 'us-east-1',
    SENTINEL_TABLE_PREFIX: 'deps-test',
    SENTINEL_CONFIG_JSON: JSON.stringify({
      instances: [{ name: 'prod', server: 'https://argocd.example.com', token: { env: 'PROD_TOKEN' }, tokens: { importer: { env: 'PROD_IMPORT_TOKEN' } } }],
    }),
  };

  it('leaves the drift state store and the per-purpose clients out of the shared dependencies', () => {
    const core = buildCoreDeps('sync-worker', env);
    expect(core).not.toHaveProperty('driftState');
    expect(argocdFor(core, 'importer')).toBe(core.argocd);
    core.argocd.close();
  });

  it('gives the operator API both: a DynamoDB drift store on the state table and the importer token clients', () => {
    const deps = withOperatorDeps(buildCoreDeps('operator-api', env));
    expect(deps.driftState).toBeInstanceOf(DynamoDBDriftStateStore);
    const importer = argocdFor(deps, 'importer');
    expect(importer).not.toBe(deps.argocd);
    expect(importer.names).toEqual(['prod']);
    // An instance without a token of its own for a purpose keeps the function's clients.
    expect(argocdFor(deps, 'scanner')).toBe(deps.argocd);
    importer.close();
    deps.argocd.close();
  });
});
