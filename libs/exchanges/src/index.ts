export * from './registry.js';
export * from './symbols.js';
export * from './limits.js';
