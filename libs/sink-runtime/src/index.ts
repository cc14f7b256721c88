export * from './batching-consumer.js';
export * from './dead-letter.js';
export * from './tcp-proxy.js';
export * from './stores.js';
