import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  kafkaBrokerPidIn,
  kafkaCredentialsIn,
  type KafkaBrokerCredentials,
} from '../../apps/launcher/src/kafka-broker';
import { freePort, freePortPair } from './ports';

/**
 * The project's own broker (apps/launcher/src/kafka-broker.ts, through its CLI) on a port pair
 * of its own (BENCH_KAFKA_PORT, else free ones) with fresh storage, stopped and removed at the
 * end: the benchmarks start from empty topics, and their thousands of events never land in the
 * topics of `npm run hub` or of the tests (which read regional topics from the beginning).
 */
export class BenchBroker {
  /** Its principals (kafka-credentials.json), read once it has started; null for an unsecured broker. */
  credentials: KafkaBrokerCredentials | null = null;

  private constructor(
    readonly port: number,
    private readonly externalPort: number,
    private readonly distRoot: string,
    private readonly stateDir: string,
    /** False only for P16's baseline: PLAINTEXT, no SASL, no ACLs, no TLS listener. */
    readonly secure: boolean,
  ) {}

  /** The internal listener: SASL_PLAINTEXT on loopback (PLAINTEXT when unsecured). */
  get brokers(): string[] {
    return [`127.0.0.1:${this.port}`];
  }

  /** The SASL_SSL listener (stream consumers' own), named as its certificate names it. */
  get externalBrokers(): string[] {
    return [`localhost:${this.externalPort}`];
  }

  /** The broker's JVM, for CPU shares (its broker.pid); null when it is not running. */
  get pid(): number | null {
    return kafkaBrokerPidIn(this.stateDir);
  }

  /** The development CA that signed the SASL_SSL listener's certificate. */
  get caFile(): string {
    return path.join(this.stateDir, 'tls', 'ca.pem');
  }

  static async start(
    repoRoot: string,
    distRoot: string,
    log: (line: string) => void,
    { secure = true }: { secure?: boolean } = {},
  ): Promise<BenchBroker> {
    const port = process.env.BENCH_KAFKA_PORT ? Number(process.env.BENCH_KAFKA_PORT) : await freePortPair();
    const stateDir = path.join(repoRoot, '.cache', 'kafka', `port-${port}`);
    fs.rmSync(stateDir, { recursive: true, force: true });
    // Its SASL_SSL listener too gets a port nobody uses (HUB_KAFKA_PORT + 4 may be taken).
    const broker = new BenchBroker(port, await freePort(), distRoot, stateDir, secure);
    const code = await broker.cli(secure ? ['start'] : ['start', '--unsecured'], log);
    if (code !== 0)
      throw new Error(`the benchmark broker did not start on ${port}; see ${stateDir}/broker.log`);
    if (!secure) return broker;
    broker.credentials = kafkaCredentialsIn(stateDir);
    if (!broker.credentials) throw new Error(`the benchmark broker left no credentials in ${stateDir}`);
    return broker;
  }

  async stop(log: (line: string) => void): Promise<void> {
    await this.cli(['stop'], log);
    fs.rmSync(this.stateDir, { recursive: true, force: true });
  }

  private cli(args: string[], log: (line: string) => void): Promise<number> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HUB_KAFKA_PORT: String(this.port),
      KAFKA_EXTERNAL_PORT: String(this.externalPort),
    };
    delete env.KAFKA_BROKERS;
    delete env.HUB_KAFKA_CONTROLLER_PORT;
    const child = spawn(
      process.execPath,
      [path.join(this.distRoot, 'apps/launcher/src/kafka-cli.js'), ...args],
      {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const relay = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) log(line);
    };
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    return new Promise((resolve) => child.once('exit', (exitCode) => resolve(exitCode ?? 1)));
  }
}
