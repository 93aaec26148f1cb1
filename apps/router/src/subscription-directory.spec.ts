import { randomUUID } from 'node:crypto';
import type { SubscriptionChange, SubscriptionStore } from '@hub/persistence';
import type { EntityManager } from 'typeorm';
import { SubscriptionDirectory } from './subscription-directory';

type Changes = Awaited<ReturnType<SubscriptionStore['changesSince']>>;

/** One read of the store, answered when the test says so. */
interface PendingRead {
  since: string;
  manager: EntityManager | undefined;
  answer(changes: Changes): void;
  fail(error: Error): void;
}

/** The store as the directory reads it: each read waits for the test to answer it. */
class ScriptedStore {
  readonly reads: PendingRead[] = [];

  changesSince(since: string, manager?: EntityManager): Promise<Changes> {
    return new Promise((resolve, reject) =>
      this.reads.push({ since, manager, answer: resolve, fail: reject }),
    );
  }
}

function change(
  id: string,
  status: SubscriptionChange['status'] = 'active',
  subscriberSuspended = false,
): SubscriptionChange {
  const now = new Date();
  return {
    id,
    organizationId: randomUUID(),
    organizationCode: 'de-zoll',
    name: 'watch list',
    filter: {},
    deliveryType: 'pull',
    webhookUrl: null,
    secretCiphertext: null,
    status,
    pausedReason: null,
    consecutiveFailures: 0,
    revision: '1',
    createdAt: now,
    updatedAt: now,
    subscriberKind: 'member',
    subscriberCountry: 'DE',
    subscriberRegion: null,
    subscriberOperations: [],
    subscriberSuspended,
  };
}

/** Lets every settled promise run its continuations. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe(SubscriptionDirectory.name, () => {
  let store: ScriptedStore;
  let directory: SubscriptionDirectory;

  beforeEach(() => {
    store = new ScriptedStore();
    directory = new SubscriptionDirectory(store as unknown as SubscriptionStore);
  });

  it('runs refreshes one after the other, each from where the previous one ended', async () => {
    const id = randomUUID();
    const first = directory.refresh();
    const second = directory.refresh();
    await settle();
    // The second read waits: it would otherwise start from the same watermark and could land first.
    expect(store.reads.map((read) => read.since)).toEqual(['0']);
    store.reads[0].answer({ changes: [change(id)], watermark: '120' });
    await expect(first).resolves.toBe(1);
    await settle();
    expect(store.reads.map((read) => read.since)).toEqual(['0', '120']);
    store.reads[1].answer({ changes: [change(id, 'deleted')], watermark: '130' });
    await expect(second).resolves.toBe(1);
    expect(directory.get(id)).toBeUndefined();
  });

  it('reads through the manager it is given (the routing step’s transaction)', async () => {
    const manager = { name: 'a routing transaction' } as unknown as EntityManager;
    const refreshed = directory.refresh(manager);
    await settle();
    expect(store.reads[0].manager).toBe(manager);
    store.reads[0].answer({ changes: [], watermark: '5' });
    await expect(refreshed).resolves.toBe(0);
  });

  it('never moves its watermark back', async () => {
    const first = directory.refresh();
    await settle();
    store.reads[0].answer({ changes: [], watermark: '200' });
    await first;
    const second = directory.refresh();
    await settle();
    store.reads[1].answer({ changes: [], watermark: '150' });
    await second;
    void directory.refresh();
    await settle();
    // Compared as numbers, not text ('1000' < '200' as strings).
    expect(store.reads[2].since).toBe('200');
    store.reads[2].answer({ changes: [], watermark: '1000' });
    await settle();
    void directory.refresh();
    await settle();
    expect(store.reads[3].since).toBe('1000');
  });

  it('lets the next refresh run after one fails, from the watermark it had', async () => {
    const id = randomUUID();
    const failed = directory.refresh();
    const next = directory.refresh();
    await settle();
    store.reads[0].fail(new Error('connection lost'));
    await expect(failed).rejects.toThrow('connection lost');
    await settle();
    expect(store.reads[1].since).toBe('0');
    store.reads[1].answer({ changes: [change(id)], watermark: '42' });
    await expect(next).resolves.toBe(1);
    expect(directory.get(id)?.webhook).toBe(false);
    expect(directory.size).toBe(1);
  });

  it("drops a suspended organization's subscriptions from matching, and takes them back when it is reinstated", async () => {
    const id = randomUUID();
    const read = async (changes: SubscriptionChange[], watermark: string): Promise<void> => {
      const refreshed = directory.refresh();
      await settle();
      store.reads.at(-1)!.answer({ changes, watermark });
      await refreshed;
    };
    await read([change(id)], '10');
    expect(directory.get(id)).toBeDefined();
    await read([change(id, 'active', true)], '20');
    expect(directory.get(id)).toBeUndefined();
    expect([directory.size, directory.index.size]).toEqual([0, 0]);
    await read([change(id, 'active', false)], '30');
    expect(directory.get(id)?.subscriber.code).toBe('de-zoll');
    expect(directory.index.size).toBe(1);
  });
});
