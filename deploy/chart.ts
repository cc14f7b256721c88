// Renders the chart the way k8s/README.md documents, for the tests that inspect its objects.
import { parseAllDocuments } from 'yaml';
import { RENDER_ARGS, helmPath, run } from './binaries.js';

export interface Labels {
  [label: string]: string;
}
export interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  containers: { name: string; args?: string[]; ports?: { name: string; containerPort: number }[] }[];
}
/** The fields of the rendered objects these tests read; everything else is left untyped. */
export interface ChartObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Labels };
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Labels };
    template?: { metadata: { labels?: Labels }; spec: PodSpec };
    [field: string]: unknown;
  };
  data?: Record<string, string>;
  automountServiceAccountToken?: boolean;
}

export interface Render {
  readonly status: number | null;
  readonly objects: ChartObject[];
  readonly stdout: string;
  readonly stderr: string;
}

/** `helm template` with `--set` for each of setArgs. */
export function renderChart(...setArgs: string[]): Render {
  const result = run(helmPath(), [...RENDER_ARGS, ...setArgs.flatMap((s) => ['--set', s])]);
  const objects =
    result.status === 0
      ? parseAllDocuments(result.stdout)
          .map((d) => d.toJS() as ChartObject | null)
          .filter((o) => o !== null)
      : [];
  return { ...result, objects };
}

export const ofKind = (objects: readonly ChartObject[], kind: string) => objects.filter((o) => o.kind === kind);
export const componentOf = (o: ChartObject) => o.metadata.labels?.['app.kubernetes.io/component'];
/** Whether a label selector's matchLabels select a pod with these labels. */
export const selects = (matchLabels: Labels | undefined, labels: Labels | undefined) =>
  matchLabels !== undefined && Object.entries(matchLabels).every(([k, v]) => labels?.[k] === v);
