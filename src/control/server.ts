// The HTTP API of the control plane. The app lives in src/control/api/ (app.ts wires it; middleware/
// and routes/ hold one concern or resource per file); this module is its public entry.
export { buildServer, type ControlServer, type ServerOptions } from './api/app.js';
export { ensureAdmin } from './api/bootstrap.js';
export { eventView, jobView } from './api/views.js';
