import { Client } from 'pg';
import { SessionLease } from '@hub/persistence';
import { openStoreDatabase, type StoreDatabase } from './store-database';

const KEY = 7316999;

describe('SessionLease against PostgreSQL', () => {
  let db: StoreDatabase;
  const leases: SessionLease[] = [];
  const lease = (key = KEY): SessionLease => {
    const created = new SessionLease(db.url, { key, applicationName: 'cosmo-hub-lease-test' });
    leases.push(created);
    return created;
  };

  beforeAll(async () => {
    db = await openStoreDatabase('session_lease');
  });
  afterAll(async () => {
    await Promise.all(leases.map((each) => each.release()));
    await db.close();
  });

  it('is held by one instance at a time, keeps it on a retry, and passes on release', async () => {
    const first = lease();
    const second = lease();
    expect(await first.tryAcquire()).toBe(true);
    expect(await first.tryAcquire()).toBe(true);
    expect(await second.tryAcquire()).toBe(false);
    expect(second.isHeld).toBe(false);
    // Another key is another lease.
    expect(await lease(KEY + 1).tryAcquire()).toBe(true);
    await first.release();
    expect(first.isHeld).toBe(false);
    expect(await second.tryAcquire()).toBe(true);
  });

  it('passes to the standby when the holder session dies (as a SIGKILLed process)', async () => {
    const holder = lease(KEY + 2);
    const standby = lease(KEY + 2);
    expect(await holder.tryAcquire()).toBe(true);
    expect(await standby.tryAcquire()).toBe(false);
    const owner = new Client({ connectionString: db.ownerUrl });
    await owner.connect();
    try {
      await owner.query(
        "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted",
        [KEY + 2],
      );
    } finally {
      await owner.end();
    }
    let acquired = false;
    for (let attempt = 0; attempt < 50 && !acquired; attempt += 1) {
      acquired = await standby.tryAcquire();
      if (!acquired) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(acquired).toBe(true);
  });
});
