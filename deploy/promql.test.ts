import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promqlProblems } from './promql.js';

test('catalogued metrics, their labels and histogram series pass', () => {
  assert.deepEqual(
    promqlProblems(
      'histogram_quantile(0.99, sum by (exchange, le) (rate(klineflow_exchange_latency_seconds_bucket{exchange=~"$exchange"}[5m])))',
    ),
    [],
  );
  assert.deepEqual(
    promqlProblems('(klineflow_ws_last_message_age_seconds > 30) and on (exchange, conn_id) (klineflow_ws_connection_up == 1)'),
    [],
  );
});

test('an unknown metric name is reported', () => {
  assert.deepEqual(promqlProblems('rate(klineflow_ws_message_total[1m])'), ['unknown metric klineflow_ws_message_total']);
});

test('a selector or grouping label the metric lacks is reported', () => {
  assert.deepEqual(promqlProblems('klineflow_sink_up{exchange="okx"}'), ['klineflow_sink_up has no label "exchange"']);
  const problems = promqlProblems('sum by (exchange) (rate(klineflow_consumed_total[1m]))');
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /klineflow_consumed_total has no label "exchange"/);
});

test('le is only a label of bucket series', () => {
  assert.equal(promqlProblems('sum by (le) (rate(klineflow_sink_batch_seconds_count[5m]))').length, 1);
});
