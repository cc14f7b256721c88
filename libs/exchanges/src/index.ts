export * from './registry.js';
export * from './symbols.js';
export * from './channels.js';
export * from './facts.js';
