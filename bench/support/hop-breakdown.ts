import { performance } from 'node:perf_hooks';
import { withClient } from './bench-environment';
import { type ChannelObserver, RegionalTopicReader } from './channel-observers';
import { percentile } from './stats';

/** One hop of an alert's way through the hub: its p50 and p99 over the run's alerts, in ms. */
export interface Hop {
  name: string;
  p50: number;
  p99: number;
}

/** performance.now() of this process, as epoch milliseconds (the clock PostgreSQL and Kafka stamp with). */
const epoch = (performanceMs: number): number => performance.timeOrigin + performanceMs;

/**
 * Where each alert's time went, from the hub's own timestamps: the relay's mark (`published_at`,
 * after Kafka acknowledged), the router's feed transaction (`feed_entries.created_at`, its start),
 * the regional message's CreateTime (the router's send) and each channel's arrival. Hops are
 * differences of wall clocks of one machine: a hop may show a few ms below zero where two stamps
 * are taken at nearly the same moment (the relay marks after the router may already have read).
 */
export async function hopBreakdown(
  databaseUrl: string,
  accepted: ReadonlyMap<string, number>,
  observers: readonly ChannelObserver[],
): Promise<Hop[]> {
  const ids = [...accepted.keys()];
  const rows = await withClient(
    databaseUrl,
    async (client) =>
      (
        await client.query<{ id: string; published: number; routed: number }>(
          `SELECT o.message_key AS id,
                extract(epoch FROM min(o.published_at)) * 1000 AS published,
                extract(epoch FROM min(f.created_at)) * 1000 AS routed
           FROM outbox_events o JOIN feed_entries f ON f.record_id::text = o.message_key
          WHERE o.message_key = ANY($1::text[])
          GROUP BY o.message_key`,
          [ids],
        )
      ).rows,
  );
  const regional = observers.find((observer) => observer instanceof RegionalTopicReader);
  const arrival = (channel: string, id: string): number | undefined => {
    const at = observers.find((observer) => observer.channel === channel)?.arrivals.get(id);
    return at === undefined ? undefined : epoch(at);
  };
  const hops = new Map<string, number[]>();
  const add = (name: string, value: number | undefined): void => {
    if (value === undefined || Number.isNaN(value)) return;
    const values = hops.get(name) ?? [];
    values.push(value);
    hops.set(name, values);
  };
  for (const row of rows) {
    const answered = epoch(accepted.get(row.id)!);
    const published = Number(row.published);
    const routed = Number(row.routed);
    const produced = regional?.producedAt.get(row.id);
    add('201 → relay marked published', published - answered);
    add('published → router transaction', routed - published);
    add('router transaction → regional send', produced === undefined ? undefined : produced - routed);
    const read = arrival('regional topic', row.id);
    add(
      'regional send → RILO read',
      produced === undefined || read === undefined ? undefined : read - produced,
    );
    const pulled = arrival('pull feed', row.id);
    add('router transaction → pull feed', pulled === undefined ? undefined : pulled - routed);
    const hooked = arrival('webhook', row.id);
    add('router transaction → webhook', hooked === undefined ? undefined : hooked - routed);
  }
  return [...hops].map(([name, values]) => ({
    name,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
  }));
}

export function formatHops(hops: readonly Hop[]): string {
  return hops.map((hop) => `${hop.name} ${hop.p50.toFixed(0)}/${hop.p99.toFixed(0)}`).join('; ');
}
