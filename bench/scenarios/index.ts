import type { Scenario } from '../support/scenario';
import { relayThroughput } from './p01-relay-throughput';
import { ingest } from './p02-ingest';
import { httpAdapter } from './p03-http-adapter';
import { matchingScale } from './p04-matching-scale';
import { indexVersusScan } from './p05-index-vs-scan';
import { matcherMemory } from './p06-matcher-memory';
import { endToEndLatency } from './p07-end-to-end-latency';
import { relayLag } from './p08-relay-lag';
import { wakeUpCost } from './p09-wake-up-cost';
import { scaleOut } from './p10-scale-out';
import { webhookDelivery } from './p11-webhook-delivery';
import { consumers } from './p12-consumers';
import { coldStartScenario } from './p13-cold-start';
import { steadyMemory } from './p14-steady-memory';
import { provenanceCost } from './p15-provenance';
import { securityTax } from './p16-security-tax';
import { gatewayScaleOut } from './p17-gateway-scale-out';

/** Every scenario of issue 4, in the order of its table, then the costs of event provenance and of SASL + TLS (issue 11), then gateways scaled out (issue 14). */
export const SCENARIOS: readonly Scenario[] = [
  relayThroughput,
  ingest,
  httpAdapter,
  matchingScale,
  indexVersusScan,
  matcherMemory,
  endToEndLatency,
  relayLag,
  wakeUpCost,
  scaleOut,
  webhookDelivery,
  consumers,
  coldStartScenario,
  steadyMemory,
  provenanceCost,
  securityTax,
  gatewayScaleOut,
];
