export * from './schema.js';
export * from './services.js';
export * from './load.js';
export * from './exchange.js';
export { redactConfig, REDACTED } from './secrets.js';
