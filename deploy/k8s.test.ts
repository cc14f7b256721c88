import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { RENDERED_MANIFESTS, RENDER_ARGS, helmPath, run } from './binaries.js';
import { manifestErrors } from './kube-schema.js';

test('k8s/klineflow.yaml is the current render of the chart', () => {
  const result = run(helmPath(), [...RENDER_ARGS]);
  assert.equal(result.status, 0, result.stderr);
  assert.ok(
    result.stdout === readFileSync(RENDERED_MANIFESTS, 'utf8'),
    `${RENDERED_MANIFESTS} is out of date: run helm ${RENDER_ARGS.join(' ')} > ${RENDERED_MANIFESTS}`,
  );
});

test('the k8s README documents the render command the test uses', () => {
  assert.ok(readFileSync('k8s/README.md', 'utf8').includes(`helm ${RENDER_ARGS.join(' ')} > ${RENDERED_MANIFESTS}`));
});

test('k8s/klineflow.yaml passes strict Kubernetes schema validation', async () => {
  assert.deepEqual(await manifestErrors(readFileSync(RENDERED_MANIFESTS, 'utf8')), []);
});
