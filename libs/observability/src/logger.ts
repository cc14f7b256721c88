import winston from 'winston';
import { ConfigError } from '@klineflow/config';

export type Logger = winston.Logger;

/** An Error as JSON: its own properties are not enumerable, so JSON.stringify would write `{}`. */
export interface SerializedError {
  name: string;
  message: string;
  code?: string | number;
  stack?: string;
  cause?: unknown;
  /** The inner errors of an AggregateError (e.g. every address a connect tried). */
  errors?: unknown[];
  [extra: string]: unknown;
}

/** Error values nested deeper than this in the metadata (or in causes) are left as they are. */
const MAX_DEPTH = 4;

/**
 * Name, message, code if any, stack, cause and the inner errors of an AggregateError, plus any
 * other own enumerable property that is a primitive (errno, syscall, address, port, retriable…) or an Error.
 * A ConfigError is an expected outcome whose message says what to fix: it carries no stack.
 */
export function serializeError(error: Error, depth = 0): SerializedError {
  const out: SerializedError = { name: error.name, message: error.message };
  for (const [key, value] of Object.entries(error)) {
    if (key === 'name' || key === 'message' || key === 'stack' || key === 'cause' || key === 'errors') continue;
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) out[key] = value;
    // kafkajs keeps the error it gave up on as `originalError`.
    else if (value instanceof Error) out[key] = serializeValue(value, depth + 1);
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  if (!(error instanceof ConfigError) && error.stack) out.stack = error.stack;
  if (error.cause !== undefined) out.cause = serializeValue(error.cause, depth + 1);
  if (error instanceof AggregateError && Array.isArray(error.errors))
    out.errors = error.errors.map((e: unknown) => serializeValue(e, depth + 1));
  return out;
}

/** The value with every Error in it serialised; plain objects and arrays are copied only if they hold one. */
function serializeValue(value: unknown, depth: number): unknown {
  if (value instanceof Error) return depth > MAX_DEPTH ? `${value.name}: ${value.message}` : serializeError(value, depth);
  if (depth >= MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const serialized = serializeValue(item, depth + 1);
      if (serialized !== item) (copy ??= [...value])[i] = serialized;
    });
    return copy ?? value;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const serialized = serializeValue(item, depth + 1);
    if (serialized !== item) (copy ??= { ...value })[key] = serialized;
  }
  return copy ?? value;
}

/**
 * Serialises Error values anywhere in the metadata (`logger.error('x', { error })`, `{ errors: [...] }`,
 * `{ detail: { cause } }`), so every logged error carries its message and, unless it is a
 * ConfigError, its stack. The caller's objects are never modified.
 */
export const errorValues = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'message' || key === 'level') continue;
    const value = info[key];
    const serialized = serializeValue(value, 0);
    if (serialized !== value) info[key] = serialized;
  }
  return info;
});

/**
 * JSON lines on stdout. Debug calls on hot paths must be guarded with
 * `logger.isLevelEnabled('debug')`: an unguarded disabled call still costs ~4.5 µs.
 */
export function createLogger(service: string, level = 'info'): Logger {
  return winston.createLogger({
    level,
    defaultMeta: { service },
    // errors(): `logger.error(err)` and `logger.error('text', err)` (message and stack on the line itself);
    // errorValues(): an Error anywhere in the metadata.
    format: winston.format.combine(
      winston.format.timestamp(),
      winston.format.errors({ stack: true }),
      errorValues(),
      winston.format.json(),
    ),
    transports: [new winston.transports.Console()],
  });
}
