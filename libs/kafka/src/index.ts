export * from './topics.js';
export * from './client.js';
