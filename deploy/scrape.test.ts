// The `job` label under every way of scraping klineflow: the static jobs of prometheus.yml (npm start,
// docker compose), annotation-based kubernetes_sd (prometheus-kubernetes.yml) and the chart's PodMonitor.
// Each must make job = the app name, which KlineflowServiceDown and KlineflowServiceAbsent match on.
// The relabelling is applied here to the pods the chart renders, with Prometheus' and the
// prometheus-operator's semantics (the Debian promtool has no kubernetes_sd to try it with).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { RENDER_ARGS, RENDERED_MANIFESTS, helmPath, promtoolPath, run } from './binaries.js';
import { DEPLOYABLE_APPS, PIPELINE_APPS } from './services.js';

// Job names are app names.
const PIPELINE_JOBS: readonly string[] = PIPELINE_APPS.map((a) => a.app);
const NAMESPACE = 'klineflow';

interface RelabelConfig {
  source_labels?: string[];
  separator?: string;
  regex?: string;
  target_label?: string;
  replacement?: string;
  action?: string;
}
interface ScrapeConfig {
  job_name: string;
  static_configs?: { targets: string[] }[];
  kubernetes_sd_configs?: { role: string }[];
  relabel_configs?: RelabelConfig[];
}
interface Pod {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  ports: { name: string; containerPort: number }[];
}
interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: {
    jobLabel?: string;
    podMetricsEndpoints?: { port: string; path?: string; relabelings?: Record<string, unknown>[] }[];
    template?: {
      metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
      spec: { containers: { ports?: { name: string; containerPort: number }[] }[] };
    };
  };
}

type Labels = Map<string, string>;

/** Prometheus relabelling (replace, keep, drop); undefined when the target is dropped. */
function relabel(input: Labels, configs: readonly RelabelConfig[]): Labels | undefined {
  const labels = new Map(input);
  for (const c of configs) {
    const action = (c.action ?? 'replace').toLowerCase();
    const value = (c.source_labels ?? []).map((l) => labels.get(l) ?? '').join(c.separator ?? ';');
    const regex = new RegExp(`^(?:${c.regex ?? '(.*)'})$`);
    const match = regex.exec(value);
    if (action === 'keep' && !match) return undefined;
    if (action === 'drop' && match) return undefined;
    if (action === 'replace' && match) {
      const result = value.replace(regex, (c.replacement ?? '$1').replace(/\$\{(\w+)\}/g, '$$$1'));
      if (result === '') labels.delete(c.target_label!);
      else labels.set(c.target_label!, result);
    } else if (!['keep', 'drop', 'replace'].includes(action)) {
      throw new Error(`relabel action ${action} is not simulated here`);
    }
  }
  return labels;
}

const sanitize = (name: string) => name.replace(/[^a-zA-Z0-9_]/g, '_');

/** What kubernetes_sd (role: pod) gives one declared container port of a pod. */
function podTarget(pod: Pod, port: { name: string; containerPort: number }): Labels {
  const labels: Labels = new Map([
    ['__address__', `10.1.2.3:${port.containerPort}`],
    ['__metrics_path__', '/metrics'],
    ['__scheme__', 'http'],
    ['job', 'placeholder'],
    ['__meta_kubernetes_namespace', NAMESPACE],
    ['__meta_kubernetes_pod_name', pod.name],
    ['__meta_kubernetes_pod_container_port_name', port.name],
    ['__meta_kubernetes_pod_container_port_number', String(port.containerPort)],
  ]);
  for (const [k, v] of Object.entries(pod.labels)) labels.set(`__meta_kubernetes_pod_label_${sanitize(k)}`, v);
  for (const [k, v] of Object.entries(pod.annotations)) labels.set(`__meta_kubernetes_pod_annotation_${sanitize(k)}`, v);
  return labels;
}

function podsOf(manifests: readonly Manifest[]): Pod[] {
  return manifests
    .filter((m) => ['Deployment', 'StatefulSet', 'Job'].includes(m.kind) && m.spec?.template)
    .map((m) => ({
      name: `${m.metadata.name}-0`,
      labels: m.spec!.template!.metadata.labels ?? {},
      annotations: m.spec!.template!.metadata.annotations ?? {},
      ports: m.spec!.template!.spec.containers.flatMap((c) => c.ports ?? []),
    }));
}

function render(...setArgs: string[]): Manifest[] {
  const result = run(helmPath(), [...RENDER_ARGS, ...setArgs.flatMap((s) => ['--set', s])]);
  assert.equal(result.status, 0, result.stderr);
  return parseAllDocuments(result.stdout)
    .map((d) => d.toJS() as Manifest)
    .filter(Boolean);
}

/** Targets and their labels after a scrape config's relabelling (every port of every pod is a candidate). */
function scrapeTargets(config: ScrapeConfig, pods: readonly Pod[]): Labels[] {
  return pods.flatMap((pod) =>
    pod.ports.flatMap((port) => {
      const start = podTarget(pod, port);
      start.set('job', config.job_name);
      const result = relabel(start, config.relabel_configs ?? []);
      return result ? [result] : [];
    }),
  );
}

/**
 * The prometheus-operator's PodMonitor relabelling: job = "<namespace>/<name>", replaced by the pod
 * label named by jobLabel when that is set and not empty, then only the endpoint's port, then the
 * endpoint's own relabelings.
 */
function podMonitorTargets(monitor: Manifest, pods: readonly Pod[]): Labels[] {
  const camel = (r: Record<string, unknown>): RelabelConfig => ({
    source_labels: r.sourceLabels as string[] | undefined,
    separator: r.separator as string | undefined,
    regex: r.regex as string | undefined,
    target_label: r.targetLabel as string | undefined,
    replacement: r.replacement as string | undefined,
    action: r.action as string | undefined,
  });
  return monitor.spec!.podMetricsEndpoints!.flatMap((endpoint) => {
    const configs: RelabelConfig[] = [
      { source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: endpoint.port, action: 'keep' },
      { target_label: 'job', replacement: `${NAMESPACE}/${monitor.metadata.name}` },
      ...(monitor.spec!.jobLabel
        ? [
            {
              source_labels: [`__meta_kubernetes_pod_label_${sanitize(monitor.spec!.jobLabel)}`],
              regex: '(.+)',
              target_label: 'job',
              replacement: '$1',
            },
          ]
        : []),
      ...(endpoint.relabelings ?? []).map(camel),
    ];
    return pods.flatMap((pod) => pod.ports.flatMap((port) => relabel(podTarget(pod, port), configs) ?? []));
  });
}

const jobsOf = (targets: readonly Labels[]) => [...new Set(targets.map((t) => t.get('job')!))].sort();
const rules = (
  parse(readFileSync('deploy/prometheus/alerts.yml', 'utf8')) as { groups: { rules: { alert?: string; expr: string }[] }[] }
).groups.flatMap((g) => g.rules);
const kubernetesConfig = parse(readFileSync('deploy/prometheus/prometheus-kubernetes.yml', 'utf8')) as { scrape_configs: ScrapeConfig[] };
const annotationJob = kubernetesConfig.scrape_configs.find((c) => c.kubernetes_sd_configs?.some((sd) => sd.role === 'pod'))!;

test('the service alerts watch exactly the pipeline apps, by job', () => {
  const down = rules.find((r) => r.alert === 'KlineflowServiceDown')!;
  assert.deepEqual(/up\{job=~"([^"]+)"\}/.exec(down.expr)?.[1]?.split('|').sort(), [...PIPELINE_JOBS].sort());
  const absent = rules.find((r) => r.alert === 'KlineflowServiceAbsent')!;
  const absentJobs = [...absent.expr.matchAll(/absent\(up\{job="([^"]+)"\}\)/g)].map((m) => m[1]).sort();
  assert.deepEqual(absentJobs, [...PIPELINE_JOBS].sort(), 'one absent(up{job="<app>"}) per app');
});

test('prometheus.yml (npm start, docker compose) names each static job after its app', () => {
  const config = parse(readFileSync('deploy/prometheus/prometheus.yml', 'utf8')) as { scrape_configs: ScrapeConfig[] };
  const targets = config.scrape_configs.flatMap((c) =>
    (c.static_configs ?? []).flatMap((s) => s.targets.map(() => relabel(new Map([['job', c.job_name]]), c.relabel_configs ?? []))),
  );
  const jobs = jobsOf(targets.filter((t): t is Labels => t !== undefined));
  for (const app of PIPELINE_JOBS) assert.ok(jobs.includes(app), `no static job ${app}`);
});

test('prometheus.yml scrapes every service of the catalogue, and nothing else, on its default metrics port', () => {
  const config = parse(readFileSync('deploy/prometheus/prometheus.yml', 'utf8')) as { scrape_configs: ScrapeConfig[] };
  const scraped = Object.fromEntries(config.scrape_configs.map((c) => [c.job_name, (c.static_configs ?? []).flatMap((s) => s.targets)]));
  for (const { app, defaultPort } of DEPLOYABLE_APPS) {
    assert.deepEqual(
      scraped[app],
      [`127.0.0.1:${defaultPort}`],
      `deploy/prometheus/prometheus.yml: job_name: ${app} with targets: ["127.0.0.1:${defaultPort}"]`,
    );
  }
  assert.deepEqual(Object.keys(scraped).sort(), DEPLOYABLE_APPS.map((a) => a.app).sort(), 'one static job per service');
});

test('annotation-based scraping gives each pod of the chart job = its app, on its annotated port and path', () => {
  for (const [source, manifests] of [
    ['helm template', render()],
    [
      RENDERED_MANIFESTS,
      parseAllDocuments(readFileSync(RENDERED_MANIFESTS, 'utf8'))
        .map((d) => d.toJS() as Manifest)
        .filter(Boolean),
    ],
  ] as const) {
    const pods = podsOf(manifests);
    const targets = scrapeTargets(annotationJob, pods);
    assert.deepEqual(jobsOf(targets), [...PIPELINE_JOBS].sort(), `${source}: jobs`);
    for (const target of targets) {
      const pod = pods.find((p) => p.name === target.get('pod'))!;
      assert.equal(target.get('job'), pod.labels['app.kubernetes.io/component']);
      assert.equal(target.get('__address__'), `10.1.2.3:${pod.annotations['prometheus.io/port']}`, `${source}: ${pod.name} address`);
      assert.equal(target.get('__metrics_path__'), '/metrics');
      assert.equal(target.get('namespace'), NAMESPACE);
    }
    // One target per pod (its annotated port), not one per declared port.
    assert.equal(new Set(targets.map((t) => t.get('pod'))).size, targets.length, `${source}: one target per pod`);
  }
  assert.deepEqual(scrapeTargets(annotationJob, podsOf(render('metrics.podAnnotations=false'))), [], 'no annotations, no targets');
  const stranger: Pod = {
    name: 'other-0',
    labels: { 'app.kubernetes.io/name': 'other', 'app.kubernetes.io/component': 'normalizer' },
    annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080' },
    ports: [{ name: 'http', containerPort: 8080 }],
  };
  assert.deepEqual(scrapeTargets(annotationJob, [stranger]), [], "another chart's pods are not klineflow's");
});

test('the PodMonitor gives each pod of the chart job = its app, by jobLabel and by its own relabeling', () => {
  const manifests = render('metrics.podMonitor.enabled=true');
  const monitor = manifests.find((m) => m.kind === 'PodMonitor')!;
  const pods = podsOf(manifests);
  assert.deepEqual(jobsOf(podMonitorTargets(monitor, pods)), [...PIPELINE_JOBS].sort());
  // The relabeling alone does it too (an operator that ignored jobLabel would still get the app name).
  const withoutJobLabel = { ...monitor, spec: { ...monitor.spec!, jobLabel: undefined } };
  assert.deepEqual(jobsOf(podMonitorTargets(withoutJobLabel, pods)), [...PIPELINE_JOBS].sort());
  // And without either, the operator's default would not match the alerts: the reason for both.
  const bare = {
    ...monitor,
    spec: {
      ...monitor.spec!,
      jobLabel: undefined,
      podMetricsEndpoints: monitor.spec!.podMetricsEndpoints!.map((e) => ({ ...e, relabelings: [] })),
    },
  };
  assert.deepEqual(jobsOf(podMonitorTargets(bare, pods)), [`${NAMESPACE}/${monitor.metadata.name}`]);
});

test('promtool accepts the annotation-scraping relabel rules', () => {
  // The Debian promtool is built without kubernetes_sd: check the same job with an empty static target list.
  const dir = mkdtempSync(join(tmpdir(), 'klineflow-scrape-'));
  try {
    const job: ScrapeConfig = { ...annotationJob, static_configs: [{ targets: [] }] };
    delete job.kubernetes_sd_configs;
    writeFileSync(join(dir, 'prometheus.yml'), stringify({ scrape_configs: [job] }));
    const result = run(promtoolPath(), ['check', 'config', 'prometheus.yml'], dir);
    assert.equal(result.status, 0, result.stdout + result.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the chart renders a PodMonitor whose endpoint port exists on every app pod', () => {
  const manifests = render('metrics.podMonitor.enabled=true');
  const monitor = manifests.find((m) => m.kind === 'PodMonitor')!;
  const port = monitor.spec!.podMetricsEndpoints![0]!.port;
  for (const pod of podsOf(manifests).filter((p) => PIPELINE_JOBS.includes(p.labels['app.kubernetes.io/component'] ?? ''))) {
    assert.ok(
      pod.ports.some((p) => p.name === port),
      `${pod.name} has a ${port} port`,
    );
  }
});
