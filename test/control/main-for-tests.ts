// A control-plane process for end-to-end tests (kill -9, failover, leader election):
//   node --import tsx test/control/main-for-tests.ts CONFIG.yaml
// Prints `listening URL` when ready. No graceful shutdown on purpose: tests SIGKILL it.
import { loadServeConfig, serverFromConfig } from '../../src/control/config.js';

const file = process.argv[2];
if (!file) {
  console.error('usage: main-for-tests.ts CONFIG.yaml');
  process.exit(2);
}
const cfg = loadServeConfig(file);
const { server } = await serverFromConfig(cfg, { logger: { level: process.env.LOG_LEVEL ?? 'warn' } });
const url = await server.listen(cfg.port, cfg.host);
console.log(`listening ${url}`);
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
