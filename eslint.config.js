// @ts-check
import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, ground floor first: a file may import files of its own layer and of the layers
 * listed before it, never after (README "Architecture"). The temporal wing is ordered inside.
 */
export const LAYERS = [
  ['core', 'src/core'],
  ['search', 'src/search'],
  ['datasets', 'src/datasets'],
  ['training', 'src/training'],
  ['models', 'src/models'],
  ['sweep-spec', 'src/sweep-spec'],
  ['execution', 'src/execution'],
  ['services', 'src/services'],
  ['tracking', 'src/tracking'],
  ['reporting', 'src/reporting'],
  ['serving', 'src/serving'],
  ['temporal-shared', 'src/temporal/shared'],
  ['temporal-workflows', 'src/temporal/workflows'],
  ['temporal-activities', 'src/temporal/activities'],
  ['temporal-workers', 'src/temporal/workers'],
  ['temporal-client', 'src/temporal/client'],
  ['interfaces', 'src/interfaces'],
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.venv/**', '.seedsweep/**', 'bin/**'] },
  js.configs.recommended,
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs', globals: { module: 'writable' } } },
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
    // Imports point down the layers (file-level loops: .dependency-cruiser.cjs, run by `npm run lint`).
    files: ['src/**/*.ts'],
    plugins: { boundaries },
    settings: {
      'boundaries/root-path': import.meta.dirname,
      'boundaries/elements': LAYERS.map(([type, pattern]) => ({ type, pattern })),
      'import/resolver': { typescript: { project: `${import.meta.dirname}/tsconfig.json` } },
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          policies: [
            ...LAYERS.map(([type], rank) => ({
              from: { element: { type } },
              allow: {
                to: { element: { types: { anyOf: LAYERS.slice(0, rank + 1).map(([below]) => below) } } },
              },
            })),
            // Temporal's pattern: a workflow names its activities' types (proxyActivities<typeof …>), never their code.
            {
              from: { element: { type: 'temporal-workflows' } },
              allow: { to: { element: { type: 'temporal-activities' } }, dependency: { kind: 'type' } },
            },
          ],
        },
      ],
    },
  },
  {
    // TF.js through training/backends/tfjs.ts only: it sets production mode before any backend exists (no banner).
    files: ['**/*.ts'],
    ignores: ['src/training/backends/tfjs.ts', 'tests/**', 'bench/**', 'examples/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@tensorflow/tfjs',
              message: 'Import TF.js through src/training/backends/tfjs.ts (it sets production mode first).',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    // Workflow code must stay deterministic: no Node built-ins, no side-effect modules at runtime.
    files: ['src/temporal/workflows/**/*.ts'],
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
                '../../training/**',
                '../../tracking/**',
                '../../datasets/**',
              ],
              message: 'Workflows may import side-effect modules as types only.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);
