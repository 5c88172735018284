// The JSON API's contract (schemas and types) and the words each state is shown with.
export * from './api-contract.js';
export * from './vocabulary.js';
