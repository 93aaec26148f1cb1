import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import type { BenchEnvironment } from './bench-environment';
import { withClient } from './bench-environment';

export interface MachineDescription {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  java: string;
  postgresql: string;
  kafka: string;
}

/** First line of `java -version` (which writes to stderr). */
function javaVersion(): string {
  try {
    return (
      execFileSync('sh', ['-c', 'java -version 2>&1 | head -n 1'], { encoding: 'utf8' }).trim() || 'unknown'
    );
  } catch {
    return 'not found';
  }
}

export async function describeMachine(environment: BenchEnvironment): Promise<MachineDescription> {
  const postgresql = await withClient(environment.adminUrl, async (client) => {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return `PostgreSQL ${rows[0].server_version}`;
  });
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    java: javaVersion(),
    postgresql,
    kafka: `Apache Kafka ${environment.kafkaVersion}`,
  };
}
