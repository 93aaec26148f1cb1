import { writeFileSync } from 'node:fs';
import {
  type HttpServiceOptions,
  httpServiceSettings,
  hubValidationPipe,
  parseTrustedProxies,
} from '@hub/platform';
import { GatewayConfig, gatewayTimeouts } from './gateway.config';
import { mountOpenApi } from './openapi/openapi';

/** The admin API's routes: on the operator listener only, when there is one. */
export const ADMIN_PATHS = ['/v1/admin'];

/** The gateway's HTTP service, the same for `main.ts` and the tests. */
export function gatewayHttpOptions(config: GatewayConfig): Omit<HttpServiceOptions, 'logger'> {
  return {
    ...httpServiceSettings(config),
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    trustedProxies: parseTrustedProxies(config.TRUSTED_PROXIES),
    timeouts: gatewayTimeouts(config),
    operatorPlane: {
      ...(config.ADMIN_PORT === undefined
        ? {}
        : { listener: { port: config.ADMIN_PORT, host: config.ADMIN_HOST } }),
      metricsToken: config.METRICS_TOKEN,
      // The gateway's own listener is the public API: its insides are for the operator plane only.
      publicListener: true,
      operatorPaths: ADMIN_PATHS,
    },
    configure: (nest) => {
      nest.useGlobalPipes(hubValidationPipe());
      const document = mountOpenApi(nest);
      if (config.OPENAPI_OUTPUT)
        writeFileSync(config.OPENAPI_OUTPUT, `${JSON.stringify(document, null, 2)}\n`);
    },
  };
}
