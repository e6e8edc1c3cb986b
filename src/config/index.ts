export * from './dev-ports.js';
export * from './load.js';
export * from './schema.js';
