import * as fs from 'node:fs';
import type { Provider } from '@nestjs/common';
import {
  createKafka,
  deleteScramUser,
  StreamAccessControl,
  upsertScramUser,
  type ScramUserTool,
} from '@hub/messaging';
import { ConfigurationError, kafkaBrokerList, kafkaSecurity } from '@hub/platform';
import { GatewayConfig } from '../gateway.config';
import { STREAM_ACCESS, type StreamAccess } from './stream-access';

/**
 * The gateway's access to the brokers for stream credentials, from its configuration: none
 * without KAFKA_EXTERNAL_BOOTSTRAP (the routes answer 503); with it, the stream-admin principal,
 * the SCRAM tool's classpath and a readable CA file are required, or the gateway does not start.
 */
export function streamAccessOf(config: GatewayConfig): StreamAccess | null {
  if (!config.KAFKA_EXTERNAL_BOOTSTRAP) return null;
  const problems: string[] = [];
  const required = (name: keyof GatewayConfig): string => {
    const value = config[name];
    if (typeof value !== 'string' || value === '') {
      problems.push(`${name}: required with KAFKA_EXTERNAL_BOOTSTRAP (stream credentials)`);
      return '';
    }
    return value;
  };
  const username = required('STREAM_ADMIN_KAFKA_SASL_USERNAME');
  const password = required('STREAM_ADMIN_KAFKA_SASL_PASSWORD');
  const classpath = required('KAFKA_ADMIN_CLASSPATH');
  let caCertificate: string | null = null;
  if (config.KAFKA_EXTERNAL_CA_FILE) {
    try {
      caCertificate = fs.readFileSync(config.KAFKA_EXTERNAL_CA_FILE, 'utf8');
    } catch (error) {
      problems.push(
        `KAFKA_EXTERNAL_CA_FILE: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  const security = kafkaSecurity(config, { prefix: 'STREAM_ADMIN', username, password });
  const brokers = kafkaBrokerList(config);
  const tool: ScramUserTool = { classpath, brokers, security };
  const kafka = createKafka({
    brokers,
    clientId: `${config.INSTANCE_ID ?? 'cosmo-hub-gateway'}-stream-admin`,
    ...security,
  });
  return {
    control: new StreamAccessControl(kafka, {
      upsert: (name, secret) => upsertScramUser(tool, name, secret),
      delete: async (name) => {
        await deleteScramUser(tool, name);
      },
    }),
    bootstrapServers: config.KAFKA_EXTERNAL_BOOTSTRAP.split(',').map((server) => server.trim()),
    caCertificate,
  };
}

export const streamAccessProvider: Provider = {
  provide: STREAM_ACCESS,
  useFactory: streamAccessOf,
  inject: [GatewayConfig],
};
