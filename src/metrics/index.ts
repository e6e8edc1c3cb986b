export { countActiveSessions } from './active-sessions.js';
export { metricsRoute, metricsServer, recordRequests } from './http.js';
export { countStoreErrors } from './instrument-store.js';
export { createMetrics, type Metrics } from './metrics.js';
