export * from './records.js';
export * from './validate.js';
export * from './decimal-range.js';
