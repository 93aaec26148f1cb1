import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HubServiceConfig } from './hub-config';
import { kafkaSecurity } from './kafka-security';
import { ConfigurationError, loadConfig } from './load-config';

const configOf = (env: Record<string, string>) => loadConfig(HubServiceConfig, env);

function problemsOf(work: () => unknown): string[] {
  try {
    work();
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  throw new Error('no ConfigurationError');
}

describe(kafkaSecurity.name, () => {
  it('uses SCRAM-SHA-512 by default and refuses to go on without credentials, naming the variables', () => {
    const problems = problemsOf(() => kafkaSecurity(configOf({}), { prefix: 'RELAY' }));
    expect(problems.join('\n')).toContain('RELAY_KAFKA_SASL_USERNAME (or KAFKA_SASL_USERNAME)');
    expect(problems.join('\n')).toContain('RELAY_KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD)');
    expect(problems.join('\n')).toContain('KAFKA_SASL_MECHANISM=none');
  });

  it("prefers the service's own principal over the shared one", () => {
    const config = configOf({ KAFKA_SASL_USERNAME: 'shared', KAFKA_SASL_PASSWORD: 'shared-password' });
    expect(kafkaSecurity(config, { prefix: 'ROUTER', username: 'hub-router', password: 'own' })).toEqual({
      sasl: { mechanism: 'scram-sha-512', username: 'hub-router', password: 'own' },
    });
    expect(kafkaSecurity(config, { prefix: 'ROUTER' })).toEqual({
      sasl: { mechanism: 'scram-sha-512', username: 'shared', password: 'shared-password' },
    });
  });

  it('connects without SASL only when told so', () => {
    expect(kafkaSecurity(configOf({ KAFKA_SASL_MECHANISM: 'none' }))).toEqual({});
    expect(problemsOf(() => configOf({ KAFKA_SASL_MECHANISM: 'gssapi' })).join()).toContain(
      'KAFKA_SASL_MECHANISM',
    );
  });

  it('reads the CA bundle for TLS, and refuses one without KAFKA_SSL or that cannot be read', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-kafka-ca-'));
    const ca = path.join(dir, 'ca.pem');
    fs.writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
    try {
      const none = { KAFKA_SASL_MECHANISM: 'none' };
      expect(kafkaSecurity(configOf({ ...none, KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: ca }))).toEqual({
        ssl: { ca: fs.readFileSync(ca, 'utf8') },
      });
      expect(kafkaSecurity(configOf({ ...none, KAFKA_SSL: 'true' }))).toEqual({ ssl: true });
      expect(problemsOf(() => kafkaSecurity(configOf({ ...none, KAFKA_SSL_CA_FILE: ca }))).join()).toContain(
        'requires KAFKA_SSL=true',
      );
      expect(
        problemsOf(() =>
          kafkaSecurity(
            configOf({ ...none, KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: path.join(dir, 'missing.pem') }),
          ),
        ).join(),
      ).toContain('KAFKA_SSL_CA_FILE: cannot be read');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
