import { TOPICS, WCO_REGIONS, regionalTopic } from '@hub/contracts';
import type { ReaderProfile } from './handling.rule';
import { planStreamAccess, readableRegionalStreams, type StreamAcl } from './stream-access.rule';

const riloWe: ReaderProfile = { code: 'rilo-we', kind: 'rilo', region: 'europe' };
const kenya: ReaderProfile = { code: 'ke-kra', kind: 'member', country: 'KE' };
const secretariat: ReaderProfile = { code: 'wco-secretariat', kind: 'secretariat' };
const interpol: ReaderProfile = { code: 'interpol', kind: 'partner' };

function granted(reader: ReaderProfile, username = 'stream-x') {
  const decision = planStreamAccess(reader, username);
  if (!decision.granted) throw new Error(`refused: ${decision.reason}`);
  return decision;
}

describe(readableRegionalStreams.name, () => {
  it('gives a RILO its region, a member its country’s region, the Secretariat all six', () => {
    expect(readableRegionalStreams(riloWe)).toEqual(['europe']);
    expect(readableRegionalStreams(kenya)).toEqual(['east-southern-africa']);
    expect(readableRegionalStreams(secretariat)).toEqual([...WCO_REGIONS]);
  });

  it('gives a partner agency none: the streams carry members records', () => {
    expect(readableRegionalStreams(interpol)).toEqual([]);
  });

  it('fails closed on what the handling rule does not know', () => {
    expect(readableRegionalStreams({ code: 'rilo-x', kind: 'rilo' })).toEqual([]);
    expect(readableRegionalStreams({ code: 'xx-customs', kind: 'member', country: 'ZZ' })).toEqual([]);
    // A member declaring a region other than its country's proves none.
    expect(
      readableRegionalStreams({ code: 'fr-douane', kind: 'member', country: 'FR', region: 'mena' }),
    ).toEqual([]);
    expect(readableRegionalStreams({ code: 'NOT A CODE', kind: 'secretariat' })).toEqual([]);
    expect(readableRegionalStreams({ code: 'agent', kind: 'spy' as ReaderProfile['kind'] })).toEqual([]);
  });

  it('does not let an organization coded like the probe record inherit an originator’s right', () => {
    expect(readableRegionalStreams({ code: 'regional-stream', kind: 'partner' })).toEqual([]);
    expect(readableRegionalStreams({ code: 'regional-stream-1', kind: 'partner' })).toEqual([]);
  });
});

describe(planStreamAccess.name, () => {
  it('lets a RILO read and describe its region’s topic and join groups under its code only', () => {
    const plan = granted(riloWe, 'stream-rilo-we-abc');
    expect(plan.topics).toEqual(['hub.region.europe.v1']);
    expect(plan.groupPrefix).toBe('rilo-we.');
    const allow = { principal: 'User:stream-rilo-we-abc', permission: 'allow', host: '*' } as const;
    expect(plan.acls).toEqual<StreamAcl[]>([
      {
        resourceType: 'topic',
        resourceName: 'hub.region.europe.v1',
        patternType: 'literal',
        operation: 'read',
        ...allow,
      },
      {
        resourceType: 'topic',
        resourceName: 'hub.region.europe.v1',
        patternType: 'literal',
        operation: 'describe',
        ...allow,
      },
      {
        resourceType: 'group',
        resourceName: 'rilo-we.',
        patternType: 'prefixed',
        operation: 'read',
        ...allow,
      },
    ]);
  });

  it('gives a member its own region’s topic only', () => {
    expect(granted(kenya).topics).toEqual(['hub.region.east-southern-africa.v1']);
  });

  it('gives the Secretariat all six regional topics', () => {
    const plan = granted(secretariat);
    expect(plan.topics).toEqual(WCO_REGIONS.map(regionalTopic));
    expect(plan.acls.filter((acl) => acl.resourceType === 'topic')).toHaveLength(12);
  });

  it('refuses a partner agency, naming its kind', () => {
    expect(planStreamAccess(interpol, 'stream-interpol-abc')).toEqual({
      granted: false,
      field: 'kind',
      reason: expect.stringContaining('partner') as string,
    });
  });

  it('never grants a write, a cluster operation, a prefixed topic or a hub-internal topic', () => {
    const internal = [
      TOPICS.alerts,
      TOPICS.seizures,
      'hub.router.dead-letter.v1',
      'hub.deliveries.dead-letter.v1',
    ];
    for (const reader of [riloWe, kenya, secretariat]) {
      for (const acl of granted(reader).acls) {
        expect(['read', 'describe']).toContain(acl.operation);
        expect(acl.permission).toBe('allow');
        expect(internal).not.toContain(acl.resourceName);
        if (acl.resourceType === 'topic') {
          expect(acl.patternType).toBe('literal');
          expect(acl.resourceName).toMatch(/^hub\.region\.[a-z-]+\.v1$/);
        } else {
          expect(acl).toMatchObject({ resourceType: 'group', patternType: 'prefixed', operation: 'read' });
          // The dot ends the prefix: codes hold none, so 'rilo-we.' never covers 'rilo-we2.…'.
          expect(acl.resourceName).toBe(`${reader.code}.`);
        }
      }
    }
  });
});
