export * from './types.js';
export * from './control-client.js';
