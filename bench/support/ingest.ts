import type { BenchEnvironment } from './bench-environment';
import { type BenchOrganization, bearer, registerOrganization } from './hub-api';
import { runLoad, type LoadResult } from './load';
import { alertBody } from './records';

/** The concurrency of the ingest figures: 64 national systems submitting at once. */
export const INGEST_CLIENTS = 64;

/** A member that submits alerts through a gateway. */
export async function registerSubmitter(
  environment: BenchEnvironment,
  gatewayUrl: string,
  code = 'fr-customs',
): Promise<BenchOrganization> {
  return registerOrganization(gatewayUrl, environment.adminToken, { code, kind: 'member', country: 'FR' });
}

/**
 * A body maker for autocannon: every request is a different ~1 KB alert (its own reference), so
 * each is validated and written as new, never answered as a replay.
 */
export function alertBodies(runTag: string): () => string {
  const template = JSON.stringify(alertBody(runTag, 0)).replace(`BENCH-${runTag}-0`, '__REFERENCE__');
  let seq = 0;
  return () => {
    seq += 1;
    return template.replace('__REFERENCE__', `BENCH-${runTag}-${seq}`);
  };
}

/** POST /v1/alerts from 64 connections as fast as answers come; 201s per second. */
export async function ingestLoad(
  gatewayUrl: string,
  submitter: BenchOrganization,
  runTag: string,
  durationSeconds: number,
  overallRate?: number,
): Promise<LoadResult> {
  return runLoad({
    url: `${gatewayUrl}/v1/alerts`,
    method: 'POST',
    headers: bearer(submitter),
    body: alertBodies(runTag),
    connections: INGEST_CLIENTS,
    durationSeconds,
    overallRate,
    expectedStatus: 201,
  });
}
