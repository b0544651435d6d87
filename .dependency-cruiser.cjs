/**
 * File-level import check (`npm run lint` runs it after ESLint): no two modules of src/ import each
 * other, directly or round a loop, counting type-only imports (a type cycle still ties the files'
 * meanings together). The layer order itself is ESLint's boundaries rule (eslint.config.js).
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A module imports itself round a loop: move what both need into a module below them.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
  },
};
