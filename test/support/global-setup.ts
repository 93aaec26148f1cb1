import './hub-aliases';
import { randomBytes } from 'node:crypto';
import { HUB_SERVICES } from '@hub/messaging';
import {
  ensureKafkaBroker,
  serviceKafkaEnvironment,
  streamAccessEnvironment,
} from '../../apps/launcher/src/kafka-broker';
import { prepareTestDatabase } from './test-database';

/**
 * Starts what the end-to-end tests need: the project's own Kafka broker (reused
 * when already running, or the cluster named by KAFKA_BROKERS) and a fresh,
 * migrated PostgreSQL database. Connection details reach the tests through env.
 */
export default async function globalSetup(): Promise<void> {
  process.env.TZ = 'UTC';
  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  const broker = await ensureKafkaBroker({ log });
  process.env.KAFKA_BROKERS = broker.brokers.join(',');
  if (broker.local) {
    // Every service of a test process keeps its own principal (per-service variables, one environment).
    for (const service of HUB_SERVICES)
      Object.assign(process.env, serviceKafkaEnvironment(broker.local, service, 'per-service'));
    // Topics the in-process services create are as replicated as the project's Kafka has nodes.
    process.env.KAFKA_REPLICATION_FACTOR ??= String(broker.local.replicationFactor);
    // Where the SCRAM user tool finds kafka-clients.
    process.env.KAFKA_ADMIN_CLASSPATH ??= broker.local.adminClasspath;
    // The gateway issues stream credentials on the external listener (only the gateway reads these).
    for (const [name, value] of Object.entries(streamAccessEnvironment(broker.local)))
      process.env[name] ??= value;
  }
  process.env.HUB_TEST_BROKER_MANAGED = String(!broker.external);
  // The services (and the tests' own queries) connect as the service login, which owns nothing and
  // cannot touch the audit trail's triggers; DATABASE_OWNER_URL is for what only the owner may do.
  const database = await prepareTestDatabase(log);
  process.env.DATABASE_URL = database.url;
  process.env.DATABASE_OWNER_URL = database.ownerUrl;
  // One key for the whole run: every test file's services can open the webhook secrets stored in the shared database.
  process.env.HUB_SECRET_KEY ??= randomBytes(32).toString('base64');
  // One signing key too: a router of any file verifies what any file's relay published.
  process.env.HUB_EVENT_SIGNING_KEY ??= randomBytes(32).toString('base64');
}
