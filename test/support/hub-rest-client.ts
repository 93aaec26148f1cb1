/**
 * The REST client an integrator generates from the OpenAPI document: `openapi-typescript` types
 * (cosmo-hub-api.d.ts, regenerated and compared by test/openapi-client.e2e-spec.ts) and
 * `openapi-fetch`. Written as the README's example; the test type-checks this file against the
 * freshly generated types and then calls a running gateway with it.
 */
import createClient from 'openapi-fetch';
import type { components, paths } from './cosmo-hub-api';

export type Alert = components['schemas']['Alert'];
export type PublishedAlert = components['schemas']['PublishedAlert'];

/** JSON answers and problem+json errors; record reads can also answer STIX 2.1, which this client does not ask for. */
type HubMedia = 'application/json' | 'application/problem+json';

export function hubClient(baseUrl: string, apiKey: string) {
  return createClient<paths, HubMedia>({ baseUrl, headers: { authorization: `Bearer ${apiKey}` } });
}

/** Submits an alert and reads it back, as a national system would. */
export async function submitAndReadAlert(
  client: ReturnType<typeof hubClient>,
  alert: Alert,
): Promise<{ created: PublishedAlert; read: PublishedAlert }> {
  const submitted = await client.POST('/v1/alerts', { body: alert });
  if (submitted.error || !submitted.data)
    throw new Error(`submit: ${submitted.response.status} ${JSON.stringify(submitted.error)}`);
  const read = await client.GET('/v1/alerts/{id}', { params: { path: { id: submitted.data.id } } });
  if (read.error || !read.data)
    throw new Error(`read: ${read.response.status} ${JSON.stringify(read.error)}`);
  return { created: submitted.data, read: read.data };
}
