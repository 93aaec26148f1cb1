// The fault-injection suites: `npm run test:faults` (project faults, on the single broker) and
// `npm run test:broker-loss` (project cluster, on the three-node cluster: HUB_KAFKA_NODES=3). Their
// own configuration, so `npm test` never runs them.
// It reuses the end-to-end project's transforms and aliases, and starts its broker, database and services itself.
const root = require('../../jest.config.js');

// eslint-disable-next-line no-unused-vars
const { globalSetup, globalTeardown, ...e2e } = root.projects.find(
  (project) => project.displayName === 'e2e',
);

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 20 * 60_000,
  projects: [
    { ...e2e, displayName: 'faults', testMatch: ['<rootDir>/test/faults/**/*.faults-spec.ts'] },
    { ...e2e, displayName: 'cluster', testMatch: ['<rootDir>/test/faults/**/*.cluster-spec.ts'] },
  ],
};
