// A rough PromQL reader for the deploy tests: finds the klineflow_ metrics an expression uses and
// checks each against the catalogue, with the labels it selects and groups by.
import { METRICS } from '@klineflow/observability';

const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'] as const;
const CATALOGUE = new Map<string, readonly string[]>(Object.values(METRICS).map((m) => [m.name, m.labelNames]));

interface MetricUse {
  readonly name: string;
  readonly labels: ReadonlySet<string>;
}

/** The catalogue entry behind a series name, with `le` added for histogram buckets. */
function resolve(series: string): MetricUse | undefined {
  const direct = CATALOGUE.get(series);
  if (direct) return { name: series, labels: new Set(direct) };
  for (const suffix of HISTOGRAM_SUFFIXES) {
    const base = series.endsWith(suffix) ? CATALOGUE.get(series.slice(0, -suffix.length)) : undefined;
    if (base) return { name: series, labels: new Set(suffix === '_bucket' ? [...base, 'le'] : base) };
  }
  return undefined;
}

/** Problems with one expression: unknown metric names, and labels a metric does not have. */
export function promqlProblems(expr: string): string[] {
  const problems: string[] = [];
  const uses: MetricUse[] = [];
  for (const match of expr.matchAll(/\b(klineflow_[a-z0-9_]+)\s*(\{[^}]*\})?/g)) {
    const series = match[1]!;
    const use = resolve(series);
    if (!use) {
      problems.push(`unknown metric ${series}`);
      continue;
    }
    uses.push(use);
    for (const selector of (match[2] ?? '').matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)) {
      if (!use.labels.has(selector[1]!)) problems.push(`${series} has no label "${selector[1]}"`);
    }
  }
  for (const clause of expr.matchAll(/\b(?:by|without|on|ignoring)\s*\(([^)]*)\)/g)) {
    const labels = clause[1]!
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean);
    for (const label of labels) {
      for (const use of uses)
        if (!use.labels.has(label)) problems.push(`${use.name} has no label "${label}" (grouped on in: ${expr.trim()})`);
    }
  }
  return [...new Set(problems)];
}
