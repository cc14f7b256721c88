// Strict schema validation of rendered Kubernetes objects, offline and without a cluster.
//
// The schemas are the kubernetes-models packages: TypeScript interfaces and Ajv validators generated
// from the Kubernetes OpenAPI spec (kubernetes-models) and from the KEDA and prometheus-operator CRDs.
// Two checks, because each package half is lenient where the other is strict:
// - the TypeScript compiler checks every object literal against its interface: an unknown field at
//   any depth (excess property check), a wrong type, a missing required field or a value outside an
//   enum is an error (the Ajv validators let unknown fields through);
// - the model's Ajv validator checks what types cannot: formats, patterns, int-or-string.
// An apiVersion/kind with no schema is an error too, so nothing passes unchecked.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string };
  [field: string]: unknown;
}

/** API group -> the package whose models cover it. */
const GROUP_PACKAGES: Record<string, string> = {
  'keda.sh': '@kubernetes-models/keda',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
};

/** The module of a kind's model (kubernetes-models/apps/v1/Deployment), or undefined when none is installed. */
function modelModule({ apiVersion, kind }: KubeObject): string | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const pkg = GROUP_PACKAGES[group!] ?? 'kubernetes-models';
  const specifier = group ? `${pkg}/${group}/${version}/${kind}` : `${pkg}/${version}/${kind}`;
  try {
    // The packages export "./*" patterns, which resolve whether or not the file is there.
    return existsSync(fileURLToPath(import.meta.resolve(specifier))) ? specifier : undefined;
  } catch {
    return undefined;
  }
}

/** The object as the API server reads it: a null field is an absent one (`env:` with no items renders as null). */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v)]),
  );
}

const label = (o: KubeObject) => `${o.kind} ${o.metadata?.name ?? '(unnamed)'}`;

/** Type-checks each object as a literal of its model's interface; one object per line, so a diagnostic's line names it. */
function typeErrors(objects: readonly { object: KubeObject; module: string }[]): string[] {
  // Inside the repository, so that the models resolve from its node_modules.
  const file = resolve('deploy', '__rendered_objects__.ts');
  const source = [
    ...objects.map(({ object, module }, i) => `import type { I${object.kind} as T${i} } from '${module}';`),
    ...objects.map(({ object }, i) => `export const o${i}: T${i} = ${JSON.stringify(object)};`),
  ].join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) =>
    name === file ? ts.createSourceFile(name, source, language) : getSourceFile.call(host, name, language, ...rest);
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? source : readFile.call(host, name));
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.file?.fileName !== file || d.start === undefined) return message;
    const line = d.file.getLineAndCharacterOfPosition(d.start).line - objects.length;
    const at = objects[line];
    return at ? `${label(at.object)}: ${message}` : message;
  });
}

/** Every schema violation in the objects, as readable lines; empty when all are valid. */
export async function schemaErrors(objects: readonly KubeObject[]): Promise<string[]> {
  const errors: string[] = [];
  const modelled: { object: KubeObject; module: string }[] = [];
  for (const object of objects.map((o) => withoutNulls(o) as KubeObject)) {
    const module = modelModule(object);
    if (!module) {
      errors.push(`${label(object)}: no schema for ${object.apiVersion} ${object.kind}`);
      continue;
    }
    modelled.push({ object, module });
    const Model = (await import(module))[object.kind] as new (data: object) => { validate(): void };
    try {
      new Model(object).validate();
    } catch (error) {
      errors.push(`${label(object)}: ${(error as Error).message}`);
    }
  }
  return [...errors, ...typeErrors(modelled)];
}

/** Parses a multi-document YAML stream strictly (a duplicate key is an error) and validates every object in it. */
export async function manifestErrors(yaml: string): Promise<string[]> {
  const documents = parseAllDocuments(yaml);
  const parseErrors = documents.flatMap((d) => d.errors.map((e) => `YAML: ${e.message}`));
  const objects = documents.map((d) => d.toJS() as KubeObject | null).filter((o): o is KubeObject => o !== null);
  return [...parseErrors, ...(await schemaErrors(objects))];
}
