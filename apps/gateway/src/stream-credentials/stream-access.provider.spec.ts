import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { configurationProblems, loadConfig } from '@hub/platform';
import { GatewayConfig } from '../gateway.config';
import { streamAccessOf } from './stream-access.provider';

const required = {
  HUB_ADMIN_TOKEN: randomBytes(24).toString('base64url'),
  HUB_SECRET_KEY: randomBytes(32).toString('base64'),
  KAFKA_SASL_MECHANISM: 'none',
};

const problems = (env: Record<string, string>): string[] =>
  configurationProblems(() => streamAccessOf(loadConfig(GatewayConfig, { ...required, ...env })));

describe(streamAccessOf.name, () => {
  it('issues no stream credentials without KAFKA_EXTERNAL_BOOTSTRAP', () => {
    expect(streamAccessOf(loadConfig(GatewayConfig, required))).toBeNull();
  });

  it('names what is missing to issue them, never a value', () => {
    const found = problems({
      KAFKA_EXTERNAL_BOOTSTRAP: 'hub.example.org:9094',
      KAFKA_EXTERNAL_CA_FILE: '/nonexistent/ca.pem',
    });
    expect(found.map((problem) => problem.split(':')[0])).toEqual([
      'STREAM_ADMIN_KAFKA_SASL_USERNAME',
      'STREAM_ADMIN_KAFKA_SASL_PASSWORD',
      'KAFKA_ADMIN_CLASSPATH',
      'KAFKA_EXTERNAL_CA_FILE',
    ]);
  });

  it('hands out the bootstrap servers and the CA it is given', () => {
    const caFile = path.join(mkdtempSync(path.join(tmpdir(), 'hub-ca-')), 'ca.pem');
    writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const access = streamAccessOf(
      loadConfig(GatewayConfig, {
        ...required,
        KAFKA_EXTERNAL_BOOTSTRAP: 'kafka-1.example.org:9094,kafka-2.example.org:9094',
        KAFKA_EXTERNAL_CA_FILE: caFile,
        STREAM_ADMIN_KAFKA_SASL_USERNAME: 'hub-stream-admin',
        STREAM_ADMIN_KAFKA_SASL_PASSWORD: 'secret-password',
        KAFKA_ADMIN_CLASSPATH: '/opt/kafka/lib/*',
      }),
    );
    expect(access).toMatchObject({
      bootstrapServers: ['kafka-1.example.org:9094', 'kafka-2.example.org:9094'],
      caCertificate: expect.stringContaining('BEGIN CERTIFICATE') as string,
    });
  });
});
