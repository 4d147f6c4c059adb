// The zod-free part of the contract (routes and error catalogue), for browser bundles that must stay small.
export * from './errors.js';
export * from './routes.js';
