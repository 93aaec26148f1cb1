import type { Provider } from '@nestjs/common';
import { loadConfig } from '@hub/platform';
import { GatewayConfig } from '../gateway.config';
import { STREAM_ACCESS, type StreamAccess } from './stream-access';

/** The gateway's access to the brokers for stream credentials, from its configuration (see StreamAccess). */
export const streamAccessProvider: Provider = {
  provide: STREAM_ACCESS,
  useFactory: (): StreamAccess | null => {
    const config = loadConfig(GatewayConfig);
    if (!config.KAFKA_EXTERNAL_BOOTSTRAP) return null;
    return null;
  },
};
