import { SubscriptionIndex } from '@hub/matching';
import { subscriptionPopulation } from '../subscription-population';

/**
 * `node --expose-gc matcher-memory.probe.js <count>`: the heap a SubscriptionIndex holding
 * <count> subscriptions takes, and the size of those subscriptions as JSON (as the router reads
 * them from the database). Run in its own process so that nothing else is on the heap: the heap
 * is measured after full collections before anything is made, and again once only the index is
 * left.
 */
function collect(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  for (let pass = 0; pass < 4; pass += 1) gc();
  return process.memoryUsage().heapUsed;
}

function indexFromJson(count: number): { index: SubscriptionIndex; jsonBytes: number } {
  const asJson = subscriptionPopulation(count).map((subscription) => JSON.stringify(subscription));
  const index = new SubscriptionIndex();
  for (const text of asJson) index.upsert(JSON.parse(text) as Parameters<SubscriptionIndex['upsert']>[0]);
  return { index, jsonBytes: asJson.reduce((sum, text) => sum + Buffer.byteLength(text), 0) };
}

const before = collect();
const { index, jsonBytes } = indexFromJson(Number(process.argv[2]));
const indexBytes = collect() - before;
process.stdout.write(`${JSON.stringify({ count: index.size, jsonBytes, indexBytes })}\n`);
