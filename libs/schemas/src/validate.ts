import { Ajv, type ValidateFunction } from 'ajv';
import {
  backfillRequestSchema,
  deadLetterSchema,
  klineGapSchema,
  standardDepthSchema,
  standardKlineSchema,
  standardTickerSchema,
  standardTradeSchema,
} from './records.js';
import type { BackfillRequest, DeadLetter, KlineGap, StandardDepth, StandardKline, StandardTicker, StandardTrade } from './records.js';

const ajv = new Ajv({ allErrors: false, strict: true, strictTuples: false });

export const validateStandardKline = ajv.compile(standardKlineSchema) as ValidateFunction<StandardKline>;
export const validateStandardTicker = ajv.compile(standardTickerSchema) as ValidateFunction<StandardTicker>;
export const validateStandardDepth = ajv.compile(standardDepthSchema) as ValidateFunction<StandardDepth>;
export const validateStandardTrade = ajv.compile(standardTradeSchema) as ValidateFunction<StandardTrade>;
export const validateKlineGap = ajv.compile(klineGapSchema) as ValidateFunction<KlineGap>;
export const validateBackfillRequest = ajv.compile(backfillRequestSchema) as ValidateFunction<BackfillRequest>;
export const validateDeadLetter = ajv.compile(deadLetterSchema) as ValidateFunction<DeadLetter>;

/** One line naming the field and what is wrong with it, for dead-letter reasons and logs. */
export function describeErrors(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`).join('; ');
}
