export * from './records.js';
export * from './validate.js';
