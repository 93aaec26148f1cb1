import type { OrganizationKind } from '@hub/contracts';

/** The few calls of the hub's REST API the benchmarks need, made as any client would make them. */

export interface BenchOrganization {
  id: string;
  code: string;
  apiKey: string;
}

async function call<T>(url: string, init: RequestInit, expected: number): Promise<T> {
  const response = await fetch(url, init);
  const text = await response.text();
  if (response.status !== expected) throw new Error(`${init.method} ${url}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

export async function registerOrganization(
  gatewayUrl: string,
  adminToken: string,
  organization: {
    code: string;
    kind: OrganizationKind;
    country?: string;
    region?: string;
  },
): Promise<BenchOrganization> {
  const created = await call<{ organization: { id: string }; apiKey: { secret: string } }>(
    `${gatewayUrl}/v1/admin/organizations`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `Benchmark ${organization.code}`, ...organization }),
    },
    201,
  );
  return { id: created.organization.id, code: organization.code, apiKey: created.apiKey.secret };
}

export async function createSubscription(
  gatewayUrl: string,
  organization: BenchOrganization,
  subscription: { name: string; filter: Record<string, unknown>; delivery: Record<string, unknown> },
): Promise<{ id: string; secret?: string }> {
  const created = await call<{ subscription: { id: string }; secret?: string }>(
    `${gatewayUrl}/v1/subscriptions`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${organization.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(subscription),
    },
    201,
  );
  return { id: created.subscription.id, secret: created.secret };
}

export const bearer = (organization: BenchOrganization): Record<string, string> => ({
  authorization: `Bearer ${organization.apiKey}`,
  'content-type': 'application/json',
});
