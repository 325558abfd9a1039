// The wire contract of the control plane: request schemas (zod) and response types. Imported by the
// server (src/control), the CLI and the dashboard (web/ imports nothing else from src/).
export * from './states.js';
export * from './requests.js';
export * from './dashboard.js';
export type * from './responses.js';
export * from './services.js';
export * from './usage.js';
export * from './inference.js';
export * from './datasets.js';
