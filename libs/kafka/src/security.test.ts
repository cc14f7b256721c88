import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@klineflow/config';
import { kafkaSecurity } from './client.js';

test('kafkaSecurity: nothing by default; SCRAM credentials and TLS (public CAs, or the ca_file) as configured', () => {
  const dir = mkdtempSync(join(tmpdir(), 'klineflow-kafka-security-'));
  try {
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, 'PEM');
    assert.deepEqual(kafkaSecurity(parseConfig('').kafka), {});
    const sasl = {
      KLINEFLOW__KAFKA__SASL__MECHANISM: 'scram-sha-256',
      KLINEFLOW__KAFKA__SASL__USERNAME: 'app',
      KLINEFLOW__KAFKA__SASL__PASSWORD: 'pw',
    };
    assert.deepEqual(kafkaSecurity(parseConfig('', sasl).kafka), { sasl: { mechanism: 'scram-sha-256', username: 'app', password: 'pw' } });
    assert.deepEqual(kafkaSecurity(parseConfig('', { KLINEFLOW__KAFKA__TLS__ENABLED: 'true' }).kafka), { ssl: true });
    assert.deepEqual(
      kafkaSecurity(parseConfig('', { ...sasl, KLINEFLOW__KAFKA__TLS__ENABLED: 'true', KLINEFLOW__KAFKA__TLS__CA_FILE: ca }).kafka),
      {
        ssl: { ca: ['PEM'] },
        sasl: { mechanism: 'scram-sha-256', username: 'app', password: 'pw' },
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
