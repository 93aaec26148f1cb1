import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runMigrations } from '@hub/persistence';
import { DemoWebhookReceiver } from './demo-webhook-receiver';
import { seedDemoSet, seedDemoStreamCredential, seedDemoSubscriptions } from './demo-set';
import { resolveHubDatabase } from './hub-database';
import { ServiceSupervisor, waitHealthy } from './hub-services';
import { HUB_SERVICES } from '@hub/messaging';
import {
  ensureKafkaBroker,
  KAFKA_REAUTH_MS,
  KAFKA_VERSION,
  plannedKafkaBrokers,
  prepareLocalKafkaBroker,
  serviceKafkaEnvironment,
  stopKafkaBroker,
  streamAccessEnvironment,
} from './kafka-broker';

const log = (line: string): void => void process.stdout.write(`${line}\n`);

/** A key of 32 random bytes (base64) kept in the state folder, readable by the owner only. */
function keptKey(stateDir: string, name: string): string {
  const file = path.join(stateDir, name);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(stateDir, { recursive: true });
    fs.writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
  }
  return fs.readFileSync(file, 'utf8').trim();
}

/**
 * The key that encrypts webhook secrets at rest must outlive a restart, or stored
 * secrets could no longer be read: HUB_SECRET_KEY, else one kept in .hub/ (git-ignored).
 */
function secretKey(stateDir: string): string {
  return process.env.HUB_SECRET_KEY || keptKey(stateDir, 'secret-key');
}

/**
 * The key the relay signs canonical events with and the router verifies them with; kept, so the
 * router still verifies the history after a restart: HUB_EVENT_SIGNING_KEY, else .hub/event-signing-key.
 * Only the relay and the router get it.
 */
function eventSigningKey(stateDir: string): string {
  if (process.env.HUB_EVENT_SIGNING_KEY) return process.env.HUB_EVENT_SIGNING_KEY;
  const key = keptKey(stateDir, 'event-signing-key');
  // A file made before with a wider mode (e.g. by hand) is narrowed.
  fs.chmodSync(path.join(stateDir, 'event-signing-key'), 0o600);
  return key;
}

/** `npm run hub`: broker, database, migrations, the services, and a demo set of organizations and feeds. */
async function main(): Promise<void> {
  const started = Date.now();
  const distRoot = path.resolve(__dirname, '..', '..', '..');
  // Keys and demo credentials; HUB_STATE_DIR moves them (e.g. for a second hub beside a running one).
  const stateDir = path.resolve(process.env.HUB_STATE_DIR ?? path.join(distRoot, '..', '.hub'));
  const ports = {
    gateway: Number(process.env.PORT ?? 3000),
    relay: Number(process.env.RELAY_PORT ?? 3001),
    notifier: Number(process.env.NOTIFIER_PORT ?? 3002),
    router: Number(process.env.ROUTER_PORT ?? 3003),
    demoReceiver: Number(process.env.DEMO_WEBHOOK_PORT ?? 3099),
  };
  const adminToken = process.env.HUB_ADMIN_TOKEN ?? randomBytes(24).toString('base64url');

  log(`[hub] starting Cosmo Hub (Apache Kafka ${KAFKA_VERSION})`);
  // The database is migrated while the broker starts, and the services are started as soon as it
  // is: their code loads while the broker boots, and those that need the broker wait for it.
  // Each service gets its own Kafka principal (made before the broker starts, so they can be passed now).
  const kafkaPrincipals = prepareLocalKafkaBroker();
  const brokerReady = ensureKafkaBroker({ log });
  const database = await resolveHubDatabase(log).then(async (resolved) => {
    const applied = await runMigrations(resolved.url);
    log(`[db] migrations: ${applied.length ? applied.join(', ') : 'up to date'}`);
    return resolved;
  });

  const env = {
    DATABASE_URL: database.url,
    KAFKA_BROKERS: plannedKafkaBrokers().join(','),
    HUB_ADMIN_TOKEN: adminToken,
    HUB_SECRET_KEY: secretKey(stateDir),
    // The demo partner endpoints run on this machine.
    WEBHOOK_ALLOW_PRIVATE_TARGETS: process.env.WEBHOOK_ALLOW_PRIVATE_TARGETS ?? 'true',
    PORT: String(ports.gateway),
    // Events name their originator and schema under this URL: the gateway this launcher runs.
    HUB_PUBLIC_URL: process.env.HUB_PUBLIC_URL ?? `http://127.0.0.1:${ports.gateway}`,
    RELAY_PORT: String(ports.relay),
    NOTIFIER_PORT: String(ports.notifier),
    ROUTER_PORT: String(ports.router),
  };
  const signing = { HUB_EVENT_SIGNING_KEY: eventSigningKey(stateDir) };
  const supervisor = new ServiceSupervisor(distRoot, log);
  for (const service of HUB_SERVICES) {
    // KAFKA_BROKERS' cluster: the services use the KAFKA_SASL_* / KAFKA_SSL* settings of this environment.
    const kafka = kafkaPrincipals ? serviceKafkaEnvironment(kafkaPrincipals, service) : {};
    // The gateway alone issues stream credentials (as the stream admin, with the SCRAM tool).
    const tools: Record<string, string> =
      kafkaPrincipals && service === 'gateway' ? streamAccessEnvironment(kafkaPrincipals) : {};
    supervisor.start({
      name: service,
      entry: `apps/${service}/src/main.js`,
      env: { ...env, ...kafka, ...tools, ...(service === 'relay' || service === 'router' ? signing : {}) },
    });
  }
  const broker = await brokerReady.catch(async (error: unknown) => {
    await supervisor.stopAll();
    await database.stop();
    throw error;
  });
  // The CA stream consumers trust, where the README says (.hub/kafka-ca.pem).
  const caFile = path.join(stateDir, 'kafka-ca.pem');
  if (broker.local) {
    fs.mkdirSync(stateDir, { recursive: true });
    fs.copyFileSync(broker.local.caFile, caFile);
  }
  const receiver = new DemoWebhookReceiver(ports.demoReceiver, log);
  await receiver.start();

  let shuttingDown = false;
  const shutdown = async (): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    log('[hub] stopping…');
    await supervisor.stopAll();
    await receiver.stop();
    await database.stop();
    if (broker.startedHere) await stopKafkaBroker({ log });
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());

  const gatewayUrl = `http://127.0.0.1:${ports.gateway}`;
  await Promise.all(
    [ports.gateway, ports.relay, ports.router, ports.notifier].map((port) =>
      waitHealthy(`http://127.0.0.1:${port}/health`, 90_000),
    ),
  );
  const credentials = await seedDemoSet(gatewayUrl, adminToken);
  // A demo RILO's stream credential, issued while the feeds are created (the SCRAM tool is a JVM).
  const streamCredential = broker.local
    ? seedDemoStreamCredential(gatewayUrl, adminToken, stateDir, caFile).catch((error: unknown) =>
        error instanceof Error ? error : new Error(String(error)),
      )
    : Promise.resolve(null);
  const subscriptions = await seedDemoSubscriptions(
    gatewayUrl,
    credentials,
    (organization) => receiver.urlFor(organization),
    (organization, secret) => receiver.trust(organization, secret),
  );

  // Local, git-ignored, readable by the owner only: for trying the API from another terminal.
  const keysFile = path.join(stateDir, 'demo-keys.json');
  fs.mkdirSync(stateDir, { recursive: true });
  fs.writeFileSync(
    keysFile,
    JSON.stringify({ gatewayUrl, adminToken, organizations: credentials, subscriptions }, null, 2),
    {
      mode: 0o600,
    },
  );

  log('');
  log(`Cosmo Hub is ready (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  log(`  REST API      ${gatewayUrl}/v1   (docs: ${gatewayUrl}/docs, OpenAPI: ${gatewayUrl}/docs-json)`);
  log(
    `  health        ${[ports.gateway, ports.relay, ports.router, ports.notifier].map((port) => `:${port}/health`).join('  ')}   (metrics at /metrics)`,
  );
  log(
    `  Kafka         ${broker.brokers.join(',')}   canonical hub.alerts.v1, hub.seizures.v1; regional hub.region.<region>.v1`,
  );
  if (broker.local)
    log(
      `  Kafka (TLS)   ${broker.local.externalBrokers.join(',')}   SASL_SSL + SCRAM-SHA-512 for stream consumers; CA ${path.relative(process.cwd(), caFile)}; sessions re-authenticate every ${KAFKA_REAUTH_MS / 1000} s`,
    );
  log(`  database      ${database.kind}`);
  log(`  admin token   ${process.env.HUB_ADMIN_TOKEN ? '(from HUB_ADMIN_TOKEN)' : adminToken}`);
  log('  demo organizations and their API keys (also in .hub/demo-keys.json):');
  for (const credential of credentials)
    log(`    ${credential.code.padEnd(16)} ${credential.kind.padEnd(12)} ${credential.apiKey}`);
  const stream = await streamCredential;
  if (stream instanceof Error) log(`  RILO stream   no demo credential: ${stream.message}`);
  else if (stream)
    log(
      `  RILO stream   ${stream.organization} reads ${stream.topics.join(', ')} (groups ${stream.groupPrefix}*) as ${stream.username}: Java client properties in ${path.relative(process.cwd(), stream.propertiesFile)}; kafkajs and kcat: README "Connecting a RILO node"`,
    );
  log('  demo feeds:');
  for (const subscription of subscriptions) {
    const channel = subscription.webhook
      ? `webhook → ${receiver.urlFor(subscription.organization)}`
      : `pull → ${gatewayUrl}/v1/subscriptions/${subscription.id}/events`;
    log(`    ${subscription.organization.padEnd(16)} ${subscription.name} (${channel})`);
  }
  log(
    'Webhook deliveries to the demo partner endpoints are printed below as they arrive. Press Ctrl-C to stop.',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `[hub] failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
