// The validator the chart tests rely on must itself refuse what the API server would refuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manifestErrors, schemaErrors } from './kube-schema.js';

const pdb = (spec: object) => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'p' }, spec });

test('valid objects of built-in and CRD kinds pass, null fields counting as absent', async () => {
  assert.deepEqual(
    await schemaErrors([
      pdb({ maxUnavailable: 1, selector: { matchLabels: { app: 'a' } } }),
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 's' }, automountServiceAccountToken: false },
      {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 'k' },
        spec: { scaleTargetRef: { name: 'd' }, maxReplicaCount: 6, triggers: [{ type: 'kafka', metadata: { lagThreshold: '100' } }] },
      },
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        metadata: { name: 'r' },
        spec: { groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up == 0' }] }] },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'd' },
        spec: { selector: {}, template: { spec: { containers: [{ name: 'c', env: null }] } } },
      },
    ]),
    [],
  );
});

test('an unknown field at any depth, a wrong type, a missing required field, a bad enum or an unknown kind is refused', async () => {
  const cases: [object, RegExp][] = [
    [pdb({ maxUnavailabel: 1 }), /'"maxUnavailabel"' does not exist/],
    [pdb({ maxUnavailable: true }), /maxUnavailable/],
    [pdb({ unhealthyPodEvictionPolicy: 'Sometimes' }), /unhealthyPodEvictionPolicy|"Sometimes"/],
    [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'd' },
        spec: { selector: {}, template: { spec: { containers: [{ name: 'c', imag: 'x' }] } } },
      },
      /'"imag"' does not exist/,
    ],
    [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'd' },
        spec: { selector: {}, template: { spec: { containers: [{ image: 'x' }] } } },
      },
      /'"name"' is missing/,
    ],
    [
      {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 'k' },
        spec: { scaleTargetRef: { name: 'd' }, maxReplicas: 6, triggers: [] },
      },
      /'"maxReplicas"' does not exist/,
    ],
    [
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        metadata: { name: 'r' },
        spec: { groups: [{ name: 'g', rules: [{ alert: 'A' }] }] },
      },
      /expr/,
    ],
    [{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }, /no schema for example\.com\/v1 Widget/],
  ];
  for (const [object, message] of cases) {
    const errors = await schemaErrors([object as never]);
    assert.ok(
      errors.some((e) => message.test(e)),
      `${JSON.stringify(object)}: ${errors.join('; ') || 'accepted'}`,
    );
  }
});

test('a duplicate key in the YAML is refused', async () => {
  const errors = await manifestErrors('apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\ndata: { a: "1", a: "2" }\n');
  assert.ok(
    errors.some((e) => /unique/i.test(e)),
    errors.join('; '),
  );
});
