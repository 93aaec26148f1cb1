import './hub-aliases';
import { randomBytes } from 'node:crypto';
import { ensureKafkaBroker } from '../../apps/launcher/src/kafka-broker';
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
  process.env.HUB_TEST_BROKER_MANAGED = String(!broker.external);
  process.env.DATABASE_URL = await prepareTestDatabase(log);
  // One key for the whole run: every test file's services can open the webhook secrets stored in the shared database.
  process.env.HUB_SECRET_KEY ??= randomBytes(32).toString('base64');
  // One signing key too: a router of any file verifies what any file's relay published.
  process.env.HUB_EVENT_SIGNING_KEY ??= randomBytes(32).toString('base64');
}
