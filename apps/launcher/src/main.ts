import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runMigrations } from '@hub/persistence';
import { seedDemoSet } from './demo-set';
import { resolveHubDatabase } from './hub-database';
import { ServiceSupervisor, waitHealthy } from './hub-services';
import { ensureKafkaBroker, KAFKA_VERSION, stopKafkaBroker } from './kafka-broker';

const log = (line: string): void => void process.stdout.write(`${line}\n`);

/** `npm run hub`: broker, database, migrations, the services, and a demo set of organizations. */
async function main(): Promise<void> {
  const started = Date.now();
  const distRoot = path.resolve(__dirname, '..', '..', '..');
  const gatewayPort = Number(process.env.PORT ?? 3000);
  const relayPort = Number(process.env.RELAY_PORT ?? 3001);
  const adminToken = process.env.HUB_ADMIN_TOKEN ?? randomBytes(24).toString('base64url');

  log(`[hub] starting Cosmo Hub (Apache Kafka ${KAFKA_VERSION})`);
  const [broker, database] = await Promise.all([ensureKafkaBroker({ log }), resolveHubDatabase(log)]);
  const applied = await runMigrations(database.url);
  log(`[db] migrations: ${applied.length ? applied.join(', ') : 'up to date'}`);

  const env = {
    DATABASE_URL: database.url,
    KAFKA_BROKERS: broker.brokers.join(','),
    HUB_ADMIN_TOKEN: adminToken,
    PORT: String(gatewayPort),
    RELAY_PORT: String(relayPort),
  };
  const supervisor = new ServiceSupervisor(distRoot, log);
  supervisor.start({ name: 'gateway', entry: 'apps/gateway/src/main.js', env });
  supervisor.start({ name: 'relay', entry: 'apps/relay/src/main.js', env });

  let shuttingDown = false;
  const shutdown = async (): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    log('[hub] stopping…');
    await supervisor.stopAll();
    await database.stop();
    if (broker.startedHere) await stopKafkaBroker({ log });
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());

  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  await Promise.all([
    waitHealthy(`${gatewayUrl}/health`, 60_000),
    waitHealthy(`http://127.0.0.1:${relayPort}/health`, 60_000),
  ]);
  const credentials = await seedDemoSet(gatewayUrl, adminToken);

  // Local, git-ignored, readable by the owner only: for trying the API from another terminal.
  const keysFile = path.resolve(distRoot, '..', '.hub', 'demo-keys.json');
  fs.mkdirSync(path.dirname(keysFile), { recursive: true });
  fs.writeFileSync(
    keysFile,
    JSON.stringify({ gatewayUrl, adminToken, organizations: credentials }, null, 2),
    { mode: 0o600 },
  );

  log('');
  log(`Cosmo Hub is ready (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  log(`  REST API      ${gatewayUrl}/v1   (docs: ${gatewayUrl}/docs, OpenAPI: ${gatewayUrl}/docs-json)`);
  log(`  health        ${gatewayUrl}/health   http://127.0.0.1:${relayPort}/health   (metrics at /metrics)`);
  log(`  Kafka         ${broker.brokers.join(',')}   topics hub.alerts.v1, hub.seizures.v1`);
  log(`  database      ${database.kind}`);
  log(`  admin token   ${process.env.HUB_ADMIN_TOKEN ? '(from HUB_ADMIN_TOKEN)' : adminToken}`);
  log('  demo organizations and their API keys (also in .hub/demo-keys.json):');
  for (const credential of credentials)
    log(`    ${credential.code.padEnd(16)} ${credential.kind.padEnd(12)} ${credential.apiKey}`);
  log('Press Ctrl-C to stop.');
}

main().catch((error: unknown) => {
  process.stderr.write(
    `[hub] failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
