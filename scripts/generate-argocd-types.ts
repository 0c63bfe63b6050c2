/**
 * Generates `functions/lib/argocd/generated/models.ts` from ArgoCD's own OpenAPI spec
 * (`reference/argocd/swagger.json`), keeping only the definitions the client uses and
 * everything they reference, so the types follow the real contract instead of memory.
 *
 * Usage: `npx tsx scripts/generate-argocd-types.ts [path/to/swagger.json]`
 * (default: `../shared/reference/argocd/swagger.json`, then `$ARGOCD_SWAGGER`).
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

interface Schema {
  type?: string;
  format?: string;
  title?: string;
  description?: string;
  $ref?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  enum?: string[];
}

/** Definitions the client speaks; everything they reference is pulled in too. */
const ROOTS = [
  'v1alpha1Application',
  'v1alpha1ApplicationList',
  'v1alpha1ApplicationSpec',
  'v1alpha1ApplicationSource',
  'v1alpha1SyncPolicy',
  'v1alpha1ApplicationStatus',
  'v1alpha1RevisionHistory',
  'v1alpha1OperationState',
  'applicationv1alpha1ResourceStatus',
  'v1alpha1AppProject',
  'v1alpha1AppProjectList',
  'applicationApplicationSyncWindowsResponse',
  'applicationManagedResourcesResponse',
  'v1alpha1ResourceDiff',
  'applicationApplicationSyncRequest',
  'applicationApplicationRollbackRequest',
  'projectProjectCreateRequest',
  'projectSyncWindowsResponse',
  'versionVersionMessage',
  'runtimeError',
  'v1alpha1ApplicationTree',
];

/**
 * Definitions whose wire form differs from what the spec's schema says
 * (Kubernetes types with custom JSON marshalling).
 */
const OVERRIDES: Record<string, { type: string; doc: string }> = {
  intstrIntOrString: { type: 'number | string', doc: 'Kubernetes IntOrString: a JSON number or a JSON string on the wire.' },
  runtimeRawExtension: { type: 'unknown', doc: 'Kubernetes RawExtension: embedded raw JSON on the wire.' },
  v1FieldsV1: { type: 'Record<string, unknown>', doc: 'Kubernetes FieldsV1: a JSON object on the wire.' },
};

const specPath = resolve(process.argv[2] ?? process.env.ARGOCD_SWAGGER ?? resolve(__dirname, '../../shared/reference/argocd/swagger.json'));
const outPath = resolve(__dirname, '../functions/lib/argocd/generated/models.ts');

const spec = JSON.parse(readFileSync(specPath, 'utf8')) as { definitions: Record<string, Schema> };
const defs = spec.definitions;

/** `v1alpha1Application` -> `V1alpha1Application`. */
function typeName(def: string): string {
  return def.charAt(0).toUpperCase() + def.slice(1);
}

function refName(ref: string): string {
  return ref.replace('#/definitions/', '');
}

const wanted = new Set<string>();
function collect(def: string): void {
  if (wanted.has(def)) return;
  if (!defs[def]) throw new Error(`definition ${def} not found in ${specPath}`);
  wanted.add(def);
  if (OVERRIDES[def]) return;
  const visit = (s: Schema | boolean | undefined): void => {
    if (!s || typeof s === 'boolean') return;
    if (s.$ref) collect(refName(s.$ref));
    visit(s.items);
    visit(s.additionalProperties);
    for (const p of Object.values(s.properties ?? {})) visit(p);
  };
  visit(defs[def]);
}
ROOTS.forEach(collect);

function tsType(s: Schema | boolean | undefined): string {
  if (!s || s === true) return 'unknown';
  if (s.$ref) return typeName(refName(s.$ref));
  if (s.enum) return s.enum.map((e) => JSON.stringify(e)).join(' | ');
  switch (s.type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      // int64 values (history ids, sync waves) are JSON numbers in ArgoCD's Kubernetes JSON.
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array':
      return `${tsType(s.items)}[]`;
    case 'object':
      if (s.additionalProperties) return `Record<string, ${tsType(s.additionalProperties)}>`;
      if (s.properties) return inlineObject(s);
      return 'Record<string, unknown>';
    default:
      return 'unknown';
  }
}

function inlineObject(s: Schema): string {
  const props = Object.entries(s.properties ?? {}).map(([k, v]) => `${propKey(k)}?: ${tsType(v)}`);
  return `{ ${props.join('; ')} }`;
}

function propKey(k: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k);
}

function doc(s: Schema, indent: string): string {
  const text = [s.title, s.description].filter(Boolean).join('\n\n').replace(/\*\//g, '*\\/').trim();
  if (!text) return '';
  const lines = text.split('\n').map((l) => `${indent} *${l ? ' ' + l.trimEnd() : ''}`);
  return `${indent}/**\n${lines.join('\n')}\n${indent} */\n`;
}

const out: string[] = [];
out.push("// THIS FILE IS GENERATED - DO NOT EDIT. Produced by scripts/generate-argocd-types.ts from ArgoCD's swagger.json.");
out.push('// Regenerate with `npx tsx scripts/generate-argocd-types.ts`.');
out.push('/* eslint-disable */');
out.push('');
for (const def of [...wanted].sort()) {
  const s = defs[def];
  const name = typeName(def);
  const override = OVERRIDES[def];
  if (override) {
    out.push(`/** ${override.doc} */`);
    out.push(`export type ${name} = ${override.type};`);
    out.push('');
    continue;
  }
  const d = doc(s, '') || `/** ArgoCD API definition \`${def}\`. */\n`;
  if (s.type === 'object' || s.properties) {
    out.push(d + `export interface ${name} {`);
    for (const [k, v] of Object.entries(s.properties ?? {})) {
      const pd = doc(v, '  ');
      if (pd) out.push(pd.trimEnd());
      out.push(`  ${propKey(k)}?: ${tsType(v)};`);
    }
    out.push('}');
  } else {
    out.push(d + `export type ${name} = ${tsType(s)};`);
  }
  out.push('');
}

mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, out.join('\n'));
console.log(`wrote ${wanted.size} definitions to ${outPath}`);
