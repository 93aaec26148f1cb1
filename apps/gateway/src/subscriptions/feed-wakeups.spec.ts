import { FeedWakeups } from './feed-wakeups';

const never = new AbortController().signal;

describe(FeedWakeups.name, () => {
  it('wakes only the waits of the subscriptions a notification names', async () => {
    const wakeups = new FeedWakeups();
    const since = wakeups.generation;
    const named = wakeups.wait('feed-a', since, 60_000, never);
    const bystanders = Array.from({ length: 100 }, (_, index) =>
      wakeups.wait(`feed-${index}-other`, since, 50, never),
    );
    expect(wakeups.size).toBe(101);
    expect(wakeups.notify(['feed-a', 'feed-unwatched'])).toBe(1);
    await expect(named).resolves.toBe(true);
    expect(wakeups.size).toBe(100);
    // The others sleep on until their timeout: no thundering herd.
    expect(await Promise.all(bystanders)).toEqual(bystanders.map(() => false));
    expect(wakeups.size).toBe(0);
  });

  it('wakes every wait on a notification naming none', async () => {
    const wakeups = new FeedWakeups();
    const waits = ['a', 'b', 'b'].map((id) => wakeups.wait(id, wakeups.generation, 60_000, never));
    expect(wakeups.notify(null)).toBe(3);
    expect(await Promise.all(waits)).toEqual([true, true, true]);
  });

  it('returns at once for a notification that came during the read, and only if it named the subscription', async () => {
    const wakeups = new FeedWakeups();
    const since = wakeups.generation;
    wakeups.notify(['feed-b']);
    await expect(wakeups.wait('feed-b', since, 60_000, never)).resolves.toBe(true);
    await expect(wakeups.wait('feed-a', since, 10, never)).resolves.toBe(false);
    wakeups.notify(null);
    await expect(wakeups.wait('feed-a', since, 60_000, never)).resolves.toBe(true);
  });

  it('assumes a read older than the notifications it remembers missed one', async () => {
    const wakeups = new FeedWakeups();
    const since = wakeups.generation;
    for (let notification = 0; notification < 300; notification += 1) wakeups.notify(['feed-b']);
    await expect(wakeups.wait('feed-a', since, 60_000, never)).resolves.toBe(true);
    await expect(wakeups.wait('feed-a', wakeups.generation - 5, 10, never)).resolves.toBe(false);
  });

  it('ends a wait when its request goes away, and forgets it', async () => {
    const wakeups = new FeedWakeups();
    const gone = new AbortController();
    const wait = wakeups.wait('feed-a', wakeups.generation, 60_000, gone.signal);
    expect(wakeups.size).toBe(1);
    gone.abort();
    await expect(wait).resolves.toBe(false);
    expect(wakeups.size).toBe(0);
  });
});
