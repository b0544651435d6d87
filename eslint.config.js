// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.venv/**', '.seedsweep/**', 'bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // TF.js through engine/tfjs.ts only: it sets production mode before any backend exists (no banner).
    files: ['**/*.ts'],
    ignores: ['engine/tfjs.ts', 'tests/**', 'bench/**', 'examples/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@tensorflow/tfjs',
              message: 'Import TF.js through engine/tfjs.ts (it sets production mode first).',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    // Workflow code must stay deterministic: no Node built-ins, no side-effect modules at runtime.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'os', 'crypto', 'child_process', 'http', 'https'],
              message: 'Workflows must be deterministic: no Node built-ins.',
            },
            {
              group: [
                'axios',
                '@tensorflow/*',
                'piscina',
                '../activities/*',
                '../engine/*',
                '../tracking/*',
                '../datasets/*',
              ],
              message: 'Workflows may import activities and side-effect modules as types only.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);
