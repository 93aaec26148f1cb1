import { writeFileSync } from 'node:fs';
import { hubValidationPipe } from '@hub/platform';
import { runService } from '@hub/service';
import { GatewayConfig, gatewayTimeouts } from './gateway.config';
import { GatewayModule } from './gateway.module';
import { mountOpenApi } from './openapi/openapi';

runService(GatewayModule, {
  name: 'gateway',
  config: GatewayConfig,
  port: 'PORT',
  listening: 'gateway listening',
  details: (_config, url) => ({ docs: `${url}/docs` }),
  http: (config) => ({
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    timeouts: gatewayTimeouts(config),
    configure: (nest) => {
      nest.useGlobalPipes(hubValidationPipe());
      const document = mountOpenApi(nest);
      if (config.OPENAPI_OUTPUT)
        writeFileSync(config.OPENAPI_OUTPUT, `${JSON.stringify(document, null, 2)}\n`);
    },
  }),
});
