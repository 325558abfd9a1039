// Vite build of the dashboard: `npx vite build --config web/vite.config.ts` writes web/dist, which the
// control plane serves at /. Relative base so the assets load from any mount point.
// `npx vite --config web/vite.config.ts` serves it with /v1 proxied to a local control plane (SF_API, default :8080).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  logLevel: 'warn',
  // large JSON (the atlases) as JSON.parse("..."): parsed several times faster than an object literal
  json: { stringify: true },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: { '/v1': { target: process.env.SF_API ?? 'http://127.0.0.1:8080', changeOrigin: false } },
  },
});
