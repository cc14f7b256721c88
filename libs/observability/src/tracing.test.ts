import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { inSpan, startTracing } from './tracing.js';

test('spans carry their attributes, errors mark them failed and still propagate, and the service is named', async () => {
  const exporter = new InMemorySpanExporter();
  const tracer = startTracing('tracing-test', { enabled: true, otlp_endpoint: 'http://127.0.0.1:9/v1/traces', sample_ratio: 1 }, exporter);
  assert.equal(await inSpan('sink.write', { sink: 'clickhouse', records: 3 }, async () => 42), 42);
  await assert.rejects(
    inSpan('sink.write', { sink: 'redis', records: 1 }, async () => {
      throw new Error('store down');
    }),
    /store down/,
  );
  await tracer.flush();

  const spans = exporter.getFinishedSpans();
  assert.deepEqual(
    spans.map((s) => [s.name, s.attributes.sink, s.attributes.records, s.status.code]),
    [
      ['sink.write', 'clickhouse', 3, SpanStatusCode.UNSET],
      ['sink.write', 'redis', 1, SpanStatusCode.ERROR],
    ],
  );
  assert.equal(spans[1]!.status.message, 'store down');
  assert.equal(spans[1]!.events[0]?.name, 'exception');
  assert.equal(spans[0]!.resource.attributes['service.name'], 'tracing-test');
  await tracer.shutdown();
});
