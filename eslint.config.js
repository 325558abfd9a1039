import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layers from './guards/layer-order.js';

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', 'web/dist/**', 'artifacts/**', 'out/**', '.superfactory/**', 'scratch/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly' } },
  },
  // The layer order (docs/ARCHITECTURE.md): core -> fabric -> perf -> planner -> sched -> workload -> sim ->
  // contract -> control -> cli; web/ imports only src/contract. Tested in guards/layer-order.test.ts.
  {
    files: ['src/**/*.ts', 'web/src/**/*.ts'],
    plugins: { superfactory: layers },
    rules: { 'superfactory/layer-order': 'error' },
  },
);
