export * from './protocol.js';
export * from './batch.js';
export * from './scan.js';
export * from './mapper.js';
export * from './module.js';
export * from './registry.js';
export * from './facts.js';
