// Helpers for tests only: fakes, private servers and waiting. Production code may not import this
// library (eslint.config.mjs); tests of apps and libs may.
export * from './wait.js';
export * from './accepts.js';
export * from './tcp-proxy.js';
export * from './private-servers.js';
export * from './mini-binance.js';
export * from './okx-same-millisecond.js';
