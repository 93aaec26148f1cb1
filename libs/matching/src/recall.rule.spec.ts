import { examplePublishedAlert } from '@hub/contracts';
import { mayStillRead } from './recall.rule';

describe(mayStillRead.name, () => {
  const community = { ...examplePublishedAlert(), handling: 'community' as const, recipients: [] };
  const restricted = {
    ...community,
    version: 2,
    handling: 'restricted' as const,
    recipients: ['kr-customs'],
  };
  const iaea = { code: 'iaea', kind: 'partner' as const };
  const korea = { code: 'kr-customs', kind: 'member' as const, country: 'KR' };

  it('withholds a version the reader was given once the current version excludes it', () => {
    expect(mayStillRead(iaea, community, community)).toBe(true);
    expect(mayStillRead(iaea, community, restricted)).toBe(false);
    expect(mayStillRead(korea, community, restricted)).toBe(true);
  });

  it('never gives a version the reader could not read; without a current version, that version decides', () => {
    expect(mayStillRead(iaea, restricted, community)).toBe(false);
    expect(mayStillRead(iaea, community, null)).toBe(true);
    expect(mayStillRead(iaea, restricted, null)).toBe(false);
  });
});
