import { javaClientProperties } from './scram-users';

describe(javaClientProperties.name, () => {
  it('quotes the JAAS values and escapes what a properties file would misread', () => {
    const lines = javaClientProperties(['kafka:9092'], {
      sasl: { mechanism: 'scram-sha-512', username: 'hub-admin', password: 'p"a\\ss\nword' },
      ssl: { ca: '-----BEGIN CERTIFICATE-----\nAB\n-----END CERTIFICATE-----' },
    });
    expect(lines).toEqual([
      'bootstrap.servers=kafka:9092',
      'security.protocol=SASL_SSL',
      'sasl.mechanism=SCRAM-SHA-512',
      'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="hub-admin" password="p\\\\"a\\\\\\\\ss\\nword";',
      'ssl.truststore.type=PEM',
      'ssl.truststore.certificates=-----BEGIN CERTIFICATE-----\\nAB\\n-----END CERTIFICATE-----',
    ]);
  });

  it('names the protocol from what is configured', () => {
    expect(javaClientProperties(['a:1'], {})[1]).toBe('security.protocol=PLAINTEXT');
    expect(javaClientProperties(['a:1'], { ssl: true })[1]).toBe('security.protocol=SSL');
    expect(
      javaClientProperties(['a:1'], { sasl: { mechanism: 'plain', username: 'u', password: 'p' } }).slice(
        1,
        3,
      ),
    ).toEqual(['security.protocol=SASL_PLAINTEXT', 'sasl.mechanism=PLAIN']);
  });
});
