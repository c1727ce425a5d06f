export * from './types.js';
export * from './currencies.js';
export * from './companies.js';
export * from './customers.js';
export * from './items.js';
export * from './allocations.js';
export * from './balances.js';
export * from './imports.js';
