import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import winston from 'winston';
import { ConfigError } from '@klineflow/config';
import { createLogger, type Logger } from './logger.js';

/** A logger from createLogger (its formats), writing JSON lines to an array instead of stdout. */
function capture(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('logger-test');
  logger.clear();
  logger.add(
    new winston.transports.Stream({
      stream: new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
          done();
        },
      }),
    }),
  );
  return { logger, lines };
}

test('an error in the metadata is logged with name, message, code, stack and cause, not as {}', () => {
  const { logger, lines } = capture();
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { code: 'ECONNREFUSED', port: 9092 });
  const error = new Error('kafka send failed', { cause: refused });
  logger.error('send failed', { topic: 'raw.huobi', error });
  const logged = lines[0]!.error as Record<string, unknown>;
  assert.equal(logged.name, 'Error');
  assert.equal(logged.message, 'kafka send failed');
  assert.match(String(logged.stack), /logger\.test\.ts/);
  const cause = logged.cause as Record<string, unknown>;
  assert.equal(cause.message, 'connect ECONNREFUSED 127.0.0.1:9092');
  assert.equal(cause.code, 'ECONNREFUSED');
  assert.equal(cause.port, 9092);
  assert.match(String(cause.stack), /logger\.test\.ts/);
  assert.equal(lines[0]!.topic, 'raw.huobi');
  assert.equal(lines[0]!.message, 'send failed');
});

test('a ConfigError is logged with its message (the key and the fix) and no stack', () => {
  const { logger, lines } = capture();
  const message = 'websocket.huobi.max_connections: this shard needs 72 connections but max_connections is 50; raise it';
  logger.error('start-up failed', { error: new ConfigError(message) });
  assert.deepEqual(lines[0]!.error, { name: 'ConfigError', message });
});

test("errors nested in objects, arrays and AggregateErrors are serialised; the caller's objects are untouched", () => {
  const { logger, lines } = capture();
  const inner = Object.assign(new Error('connect ECONNREFUSED ::1:6379'), { code: 'ECONNREFUSED' });
  const meta = { detail: { attempts: [new AggregateError([inner], '')] }, count: 2 };
  logger.warn('redis unreachable', meta);
  const attempt = (lines[0]!.detail as { attempts: Record<string, unknown>[] }).attempts[0]!;
  assert.equal(attempt.name, 'AggregateError');
  assert.deepEqual(
    (attempt.errors as Record<string, unknown>[]).map((e) => [e.message, e.code]),
    [['connect ECONNREFUSED ::1:6379', 'ECONNREFUSED']],
  );
  assert.equal(lines[0]!.count, 2);
  assert.ok(meta.detail.attempts[0] instanceof AggregateError, 'the metadata passed in is not rewritten');
});

test('an error passed as the message or as the only metadata keeps its message and stack', () => {
  const { logger, lines } = capture();
  logger.error(new Error('thrown'));
  logger.error('while starting:', new Error('inner'));
  assert.equal(lines[0]!.message, 'thrown');
  assert.match(String(lines[0]!.stack), /logger\.test\.ts/);
  assert.match(String(lines[1]!.message), /while starting: inner/);
  assert.match(String(lines[1]!.stack), /logger\.test\.ts/);
});

test('non-error values and circular metadata pass through', () => {
  const { logger, lines } = capture();
  const circular: Record<string, unknown> = { name: 'loop' };
  circular.self = circular;
  logger.info('odd values', { reason: 'text', nothing: null, circular });
  assert.equal(lines[0]!.reason, 'text');
  assert.equal(lines[0]!.nothing, null);
  assert.equal((lines[0]!.circular as Record<string, unknown>).name, 'loop');
});
