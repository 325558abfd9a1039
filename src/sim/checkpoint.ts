// Checkpoint cost and interval: moved to src/core/progress.ts (the one home of progress and checkpoint accounting).
// Re-exported for callers outside src/sim that still import this path (test/control/twin-backend.test.ts).
export { checkpointCostS, jobMtbfS, youngDalyIntervalS } from '../core/progress.js';
