import { runService } from '@hub/service';
import { GatewayConfig } from './gateway.config';
import { gatewayHttpOptions } from './gateway.http';
import { GatewayModule } from './gateway.module';

runService(GatewayModule, {
  name: 'gateway',
  config: GatewayConfig,
  port: 'PORT',
  listening: 'gateway listening',
  details: (config, url) => ({
    docs: `${url}/docs`,
    ...(config.ADMIN_PORT === undefined ? {} : { admin: `${config.ADMIN_HOST}:${config.ADMIN_PORT}` }),
  }),
  http: gatewayHttpOptions,
});
