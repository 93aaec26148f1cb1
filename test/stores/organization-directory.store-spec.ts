import { apiKeyPrefix, generateApiKey, hashApiKey, OrganizationDirectory } from '@hub/persistence';
import {
  openStoreDatabase,
  seedOrganization,
  type SeededOrganization,
  type StoreDatabase,
} from './store-database';

describe('OrganizationDirectory.authenticate against PostgreSQL: what costs no lookup', () => {
  let db: StoreDatabase;
  let owner: SeededOrganization;

  beforeAll(async () => {
    db = await openStoreDatabase('directory');
    owner = await seedOrganization(db.dataSource);
  });
  afterAll(() => db.close());

  /** Stores a key as the admin API would, straight in the table (behind the directory's back). */
  const store = async (key: string): Promise<void> => {
    await db.dataSource.query(
      'INSERT INTO api_keys (organization_id, prefix, key_hash) VALUES ($1, $2, $3)',
      [owner.id, apiKeyPrefix(key), hashApiKey(key)],
    );
  };

  it('remembers a key digest found unknown: the same key is answered without a lookup for a while', async () => {
    const directory = new OrganizationDirectory(db.dataSource, 0);
    const key = generateApiKey();
    expect(await directory.authenticate(key)).toBeNull();
    // Were the key looked up again, it would now be found.
    await store(key);
    expect(await directory.authenticate(key)).toBeNull();
    // Another process, which never saw it unknown, finds it.
    expect((await new OrganizationDirectory(db.dataSource, 0).authenticate(key))?.organization.id).toBe(
      owner.id,
    );
  });

  it('for a locked-out caller, looks up only keys it has found valid before', async () => {
    const directory = new OrganizationDirectory(db.dataSource, 0);
    const key = generateApiKey();
    await store(key);
    expect(await directory.authenticate(key, { recognizedOnly: true })).toBeNull();
    expect((await directory.authenticate(key))?.organization.id).toBe(owner.id);
    // No cache here (0 ms): this one is a lookup, allowed because the key was found valid before.
    expect((await directory.authenticate(key, { recognizedOnly: true }))?.organization.id).toBe(owner.id);
  });
});
