export * from './logger.js';
export * from './health.js';
export * from './server.js';
export * from './service.js';
export * from './metrics.js';
export * from './tracing.js';
