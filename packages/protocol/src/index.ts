// The HTTP contract shared by the server and the browser SDK.
export * from './errors.js';
export * from './schemas.js';
export * from './routes.js';
