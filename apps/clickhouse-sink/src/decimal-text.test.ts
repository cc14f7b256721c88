import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecimalRangeError, toPlainDecimal } from './decimal-text.js';

test('exponent literals become plain decimals without a float', () => {
  assert.equal(toPlainDecimal('9.2E-7'), '0.00000092');
  assert.equal(toPlainDecimal('1.0E-10'), '0.0000000001');
  assert.equal(toPlainDecimal('4.0E7'), '40000000');
  assert.equal(toPlainDecimal('3.358149508E7'), '33581495.08');
  assert.equal(toPlainDecimal('2.2E8'), '220000000');
  assert.equal(toPlainDecimal('1e+3'), '1000');
});

test('plain decimals keep their value; trailing zeros go, digits never change', () => {
  assert.equal(toPlainDecimal('10050.00'), '10050');
  assert.equal(toPlainDecimal('0.01086000'), '0.01086');
  assert.equal(toPlainDecimal('0'), '0');
  assert.equal(toPlainDecimal('0.000000000000000001'), '0.000000000000000001');
  assert.equal(toPlainDecimal('12345678901234567890.123456789012345678'), '12345678901234567890.123456789012345678');
  assert.equal(toPlainDecimal('-0.5'), '-0.5');
});

test('values Decimal(38, 18) would round or overflow are refused, not altered', () => {
  assert.throws(() => toPlainDecimal('0.0000000000000000001'), DecimalRangeError);
  assert.throws(() => toPlainDecimal('1.5E-19'), DecimalRangeError);
  assert.throws(() => toPlainDecimal('123456789012345678901'), DecimalRangeError);
});

test('exponents far out of range are refused without building their digits', () => {
  assert.throws(() => toPlainDecimal('1e400'), /more than 20 integer digits/);
  assert.throws(() => toPlainDecimal('1e-400'), /more than 18 decimal places/);
  assert.equal(toPlainDecimal('0e400'), '0');
  assert.equal(toPlainDecimal('99999999999999999999.5'), '99999999999999999999.5');
});
