// A port free right now on 127.0.0.1, for when an origin must be known before its server starts.
export { freePort } from '../../../packages/server/src/free-port.js';
