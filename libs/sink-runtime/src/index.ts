export * from './batching-consumer.js';
export * from './dead-letter.js';
export * from './stores.js';
