import { IsInt } from 'class-validator';
import { ConfigurationError, loadConfig, withKafkaPrincipal } from '@hub/platform';
import { databaseSettings, kafkaSettings } from './service-settings';

class RelayLikeConfig extends withKafkaPrincipal('RELAY') {
  override DATABASE_POOL_SIZE: number = 3;

  @IsInt()
  RELAY_PORT: number = 3001;
}

describe(databaseSettings.name, () => {
  it("sizes the pool from DATABASE_POOL_SIZE, the service's class giving its own default", () => {
    const url = 'postgres://postgres@db:5432/hub';
    expect(databaseSettings('relay', loadConfig(RelayLikeConfig, { DATABASE_URL: url }))).toEqual({
      url,
      poolSize: 3,
      applicationName: 'cosmo-hub-relay',
      statementTimeoutMs: 30_000,
      // The gateway stamps outbox rows with their shard, the relays lease them: both read it.
      outboxShards: 8,
    });
    expect(databaseSettings('relay', loadConfig(RelayLikeConfig, { OUTBOX_SHARDS: '16' })).outboxShards).toBe(
      16,
    );
    expect(
      databaseSettings('relay', loadConfig(RelayLikeConfig, { DATABASE_POOL_SIZE: '12' })).poolSize,
    ).toBe(12);
    expect(() => loadConfig(RelayLikeConfig, { DATABASE_POOL_SIZE: '0' })).toThrow(ConfigurationError);
  });
});

describe(kafkaSettings.name, () => {
  it("logs in as the service's own principal, which wins over the shared pair", () => {
    const config = loadConfig(RelayLikeConfig, {
      KAFKA_BROKERS: 'a:9092,b:9092',
      KAFKA_SASL_USERNAME: 'shared',
      KAFKA_SASL_PASSWORD: 'shared-pw',
      RELAY_KAFKA_SASL_USERNAME: 'hub-relay',
      RELAY_KAFKA_SASL_PASSWORD: 'relay-pw',
      // Another service's pair in the same environment (the in-process test harness) is not read.
      ROUTER_KAFKA_SASL_USERNAME: 'hub-router',
    });
    expect(kafkaSettings('relay', config)).toEqual({
      brokers: ['a:9092', 'b:9092'],
      clientId: 'cosmo-hub-relay',
      sasl: { mechanism: 'scram-sha-512', username: 'hub-relay', password: 'relay-pw' },
    });
  });

  it('falls back to the shared pair, and names the per-service variables when both are missing', () => {
    const shared = loadConfig(RelayLikeConfig, {
      KAFKA_SASL_USERNAME: 'shared',
      KAFKA_SASL_PASSWORD: 'shared-pw',
      INSTANCE_ID: 'relay-2',
    });
    expect(kafkaSettings('relay', shared)).toMatchObject({
      clientId: 'relay-2',
      sasl: { username: 'shared', password: 'shared-pw' },
    });
    expect(() => kafkaSettings('relay', loadConfig(RelayLikeConfig, {}))).toThrow(
      /RELAY_KAFKA_SASL_USERNAME \(or KAFKA_SASL_USERNAME\)/,
    );
  });
});
