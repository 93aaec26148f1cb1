import { AUDIT_CHAIN_GENESIS, AUDIT_CHAINED_FIELDS, auditLinkHash, type ChainedFields } from './audit-chain';

const entry: ChainedFields = {
  id: '41',
  tx_id: '1007',
  occurred_at: '2026-12-06T11:00:00.123456Z',
  request_id: 'req-1',
  actor_type: 'organization',
  actor_id: '5b0f3c1e-0b7e-4c3f-9e0a-6f2d7a1c4b10',
  actor_code: 'fr-douane',
  actor_kind: 'member',
  action: 'record.read',
  outcome: 'success',
  status_code: null,
  resource_type: 'alert',
  resource_id: '9a7d2c4e-1f3b-4d5a-8c6e-2b4f6a8c0e12',
  record_ids: '{9a7d2c4e-1f3b-4d5a-8c6e-2b4f6a8c0e12}',
  event_ids: '{}',
  detail: '{}',
  dedupe_key: null,
};

describe(auditLinkHash.name, () => {
  it('is a SHA-256 of the previous hash and the fields, stable for equal input', () => {
    const hash = auditLinkHash(AUDIT_CHAIN_GENESIS, entry);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(auditLinkHash(AUDIT_CHAIN_GENESIS, { ...entry })).toBe(hash);
  });

  it('changes with any chained field and with the previous hash', () => {
    const hash = auditLinkHash(AUDIT_CHAIN_GENESIS, entry);
    for (const [name] of AUDIT_CHAINED_FIELDS) {
      const changed = { ...entry, [name]: `${entry[name] ?? ''}x` };
      expect([name, auditLinkHash(AUDIT_CHAIN_GENESIS, changed)]).not.toEqual([name, hash]);
    }
    expect(auditLinkHash(hash, entry)).not.toBe(hash);
  });

  it('tells a missing field from an empty one, and a value moved between fields', () => {
    const hash = auditLinkHash(AUDIT_CHAIN_GENESIS, entry);
    expect(auditLinkHash(AUDIT_CHAIN_GENESIS, { ...entry, request_id: '' })).not.toBe(
      auditLinkHash(AUDIT_CHAIN_GENESIS, { ...entry, request_id: null }),
    );
    expect(
      auditLinkHash(AUDIT_CHAIN_GENESIS, { ...entry, actor_code: 'member', actor_kind: 'fr-douane' }),
    ).not.toBe(hash);
  });

  it('leaves NULL fields out, so a column added later keeps the hashes of the entries before it', () => {
    const hash = auditLinkHash(AUDIT_CHAIN_GENESIS, entry);
    expect(auditLinkHash(AUDIT_CHAIN_GENESIS, { ...entry, not_a_column_yet: null })).toBe(hash);
  });
});
