/**
 * Development Kafka broker control:
 *
 *   node dist/apps/launcher/src/kafka-cli.js start    (npm run kafka:start, after npm run build;
 *                                                      HUB_KAFKA_NODES=3 starts a three-node cluster)
 *   node dist/apps/launcher/src/kafka-cli.js start --unsecured   (bench P16's baseline only: no SASL, ACLs or TLS)
 *   node dist/apps/launcher/src/kafka-cli.js stop     (npm run kafka:stop: every node)
 *   node dist/apps/launcher/src/kafka-cli.js status
 *
 * Exit codes (LSB-style):
 *   start   0 broker answering (started, reused, or KAFKA_BROKERS), 1 failure
 *   stop    0 stopped, or nothing to stop; 1 failure
 *   status  0 answering, 1 broker process alive (pid file) but not answering, 3 not running, 1 on error
 *   any     2 usage error
 */
import { ensureKafkaBroker, KAFKA_VERSION, kafkaBrokerStatus, stopKafkaBroker } from './kafka-broker';

const USAGE = 'usage: kafka-cli start [--unsecured]|stop|status';

async function main(command: string | undefined, flags: string[]): Promise<number> {
  if (flags.some((flag) => flag !== '--unsecured') || (flags.length > 0 && command !== 'start')) {
    console.error(USAGE);
    return 2;
  }
  switch (command) {
    case 'start': {
      const handle = await ensureKafkaBroker({ secure: !flags.includes('--unsecured') });
      console.log(
        `[kafka] ${handle.external ? 'external' : handle.startedHere ? 'started' : 'already running'}: ${handle.brokers.join(',')}`,
      );
      return 0;
    }
    case 'stop': {
      const stopped = await stopKafkaBroker();
      if (!stopped) console.log('[kafka] no broker started by this project is running');
      return 0;
    }
    case 'status': {
      const status = await kafkaBrokerStatus();
      const where = status.brokers.join(',');
      if (status.answering) {
        const owner = status.external
          ? 'external (KAFKA_BROKERS)'
          : status.pids.length > 0
            ? `Apache Kafka ${KAFKA_VERSION}, pid ${status.pids.join(', ')}`
            : 'not started by this project';
        console.log(`[kafka] running on ${where} (${owner})`);
        return 0;
      }
      if (status.pids.length > 0) {
        console.log(
          `[kafka] broker process ${status.pids.join(', ')} is alive but does not answer on ${where}; see ${status.logFile}`,
        );
        return 1;
      }
      console.log(`[kafka] not running (${where} does not answer)`);
      return 3;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv[2], process.argv.slice(3)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
