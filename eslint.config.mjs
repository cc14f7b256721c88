import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', '.nx/**', '**/*.mjs', '**/*.js'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          enforceBuildableLibDependency: false,
          depConstraints: [
            // type:test-support is for the tests of apps and libs; the rule below keeps it out of their production files.
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:test-support'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib', 'type:app', 'type:test-support'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib', 'type:test-support'] },
            { sourceTag: 'type:test-support', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:ingest', onlyDependOnLibsWithTags: ['scope:shared', 'scope:ingest'] },
            { sourceTag: 'scope:sink', onlyDependOnLibsWithTags: ['scope:shared', 'scope:sink'] },
            { sourceTag: 'scope:sim', onlyDependOnLibsWithTags: ['scope:shared', 'scope:sim'] },
            { sourceTag: 'scope:tooling', onlyDependOnLibsWithTags: ['scope:shared', 'scope:tooling'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Production code: what ends up in an app's bundle. Tests, and the e2e project (tests through and through), may use the helpers.
    files: ['apps/*/src/**/*.ts', 'libs/*/src/**/*.ts'],
    ignores: ['**/*.test.ts', '**/*.chaos-test.ts', 'apps/platform-e2e/**', 'libs/test-support/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: '@klineflow/test-support', message: 'test helpers are for tests only (*.test.ts)' }] },
      ],
    },
  },
];
