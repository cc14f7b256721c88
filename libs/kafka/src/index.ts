// kafkajs values (Kafka, Partitioners…) come from here, with klineflow's record codec in place: see kafkajs.ts.
export { Kafka, Partitioners, CompressionTypes, AssignerProtocol, logLevel } from './kafkajs.js';
export * from './topics.js';
export * from './client.js';
export * from './lag.js';
export * from './pipelining.js';
export * from './dead-letter-tail.js';
export * from './partitioner.js';
export { kafkaClientId } from './membership.js';
export { readWholeTopic, type TopicRecord } from './whole-topic.js';
export { PrefetchQueue } from './prefetch.js';
