// @ts-check
// Lint for Cosmo Hub. Formatting belongs to Prettier (no stylistic rules here);
// layer direction belongs to dependency-cruiser (.dependency-cruiser.js). This file
// guards async correctness, `any`, and the "libs only through @hub/<lib>" import rule.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

const tsSources = ['apps/**/*.ts', 'libs/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'];
const testSources = ['test/**/*.ts', '**/*.spec.ts', '**/*.e2e-spec.ts'];

// Each entry is a `patterns` item for @typescript-eslint/no-restricted-imports.
const deepLibImport = {
  regex: '^@hub/[^/]+/.',
  message: 'Import a lib through its alias and index.ts only (`@hub/<lib>`), never a deep path.',
};
const pathIntoLibs = {
  // `../../libs/x/src/...` or, through baseUrl, `libs/x/src/...`.
  regex: '^(\\.\\./)*libs(/|$)',
  message: 'Import a lib through its alias `@hub/<lib>`, not by a path into libs/.',
};
const pathIntoApps = {
  regex: '^(\\.\\./)*apps(/|$)',
  message: 'Libs and apps never import an app (apps -> libs only; no app imports another app).',
};
const pathIntoBench = {
  regex: '^(\\.\\./)*bench(/|$)',
  message: 'Nothing imports the benchmarks: bench/ is a leaf that measures apps and libs.',
};
const pathIntoTest = {
  regex: '^(\\.\\./)*test(/|$)',
  message: 'Production code must not import from test/.',
};

/** @param {Array<{ regex: string; message: string }>} patterns */
const restrictImports = (patterns) => ({
  'no-restricted-imports': 'off',
  '@typescript-eslint/no-restricted-imports': ['error', { patterns }],
});

export default defineConfig(
  globalIgnores([
    '**/dist/',
    '**/node_modules/',
    '**/.cache/',
    '**/coverage/',
    '.hub/',
    'apps/launcher/kafka/',
    'docs/',
    'libs/contracts/schemas/',
    'test/support/cosmo-hub-api.d.ts',
  ]),

  {
    linterOptions: { reportUnusedDisableDirectives: 'error', reportUnusedInlineConfigs: 'error' },
  },

  // Plain JavaScript (root config files such as jest.config.js): no type information.
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: {
      ecmaVersion: 2023,
      globals: {
        __dirname: 'readonly',
        __filename: 'readonly',
        console: 'readonly',
        module: 'writable',
        process: 'readonly',
        require: 'readonly',
      },
    },
  },
  { files: ['**/*.js', '**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },

  // TypeScript with type information from tsconfig.json.
  {
    files: tsSources,
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      // Returning a promise from inside try/catch without await skips the catch.
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      ...restrictImports([deepLibImport, pathIntoLibs, pathIntoApps, pathIntoTest, pathIntoBench]),
    },
  },

  // Tests may reach into an app by path (apps have no alias) and may use test helpers;
  // libs still only through `@hub/<lib>`. Jest matchers and parsed HTTP bodies are
  // loosely typed, so the unsafe-* checks that only report that are relaxed here.
  {
    files: testSources,
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: restrictImports([deepLibImport, pathIntoLibs, pathIntoBench]),
  },
  // Specs beside the code may use the shared test support (e.g. the OASIS STIX schema validator).
  {
    files: ['apps/**/*.spec.ts', 'libs/**/*.spec.ts'],
    rules: restrictImports([deepLibImport, pathIntoLibs, pathIntoApps, pathIntoBench]),
  },
  // Benchmarks, like tests, start apps by path; libs only through `@hub/<lib>`; they are not a
  // library of test helpers (nothing imports them, and they import nothing from test/).
  {
    files: ['bench/**/*.ts'],
    rules: restrictImports([deepLibImport, pathIntoLibs, pathIntoTest]),
  },
);
