import type { StixObject } from '../stix/stix-bundle.mapper';
import { manifestRecord, readTaxiiPage, type TaxiiEntry, type TaxiiPosition } from './taxii.resources';

function object(entry: number, index: number): StixObject {
  return { type: 'note', id: `note--${entry}-${index}`, created: '2026-01-01T00:00:00.000Z' };
}

/** A feed of entries with 0 to 4 objects (0: an entry the caller may no longer read). */
const SIZES = [3, 1, 0, 4, 2, 0, 0, 1, 3];
const FEED: TaxiiEntry<number>[] = SIZES.map((size, entry) => ({
  position: entry,
  dateAdded: `2026-01-01T00:00:0${entry}.000001Z`,
  objects: Array.from({ length: size }, (_, index) => object(entry, index)),
}));
const ALL = FEED.flatMap((entry) => entry.objects.map((item) => item.id));

describe(readTaxiiPage.name, () => {
  const reads: number[] = [];
  const read = (after: number | null, count: number): Promise<TaxiiEntry<number>[]> => {
    reads.push(count);
    return Promise.resolve(FEED.filter((entry) => entry.position > (after ?? -1)).slice(0, count));
  };

  it.each([1, 2, 3, 4, 5, 7, 17, 100])(
    'pages with limit %i never skip nor repeat an object',
    async (limit) => {
      const seen: string[] = [];
      let start: TaxiiPosition<number> = { after: null, skip: 0 };
      for (let pages = 0; pages < 100; pages += 1) {
        const page = await readTaxiiPage(read, start, limit);
        expect(page.items.length).toBeLessThanOrEqual(limit);
        seen.push(...page.items.map((item) => item.object.id));
        if (!page.next) break;
        expect(page.items).toHaveLength(limit);
        start = page.next;
      }
      expect(seen).toEqual(ALL);
    },
  );

  it('gives each object the date its entry was added', async () => {
    const page = await readTaxiiPage(read, { after: 2, skip: 1 }, 2);
    expect(page.items.map((item) => [item.object.id, item.dateAdded])).toEqual([
      ['note--3-1', FEED[3].dateAdded],
      ['note--3-2', FEED[3].dateAdded],
    ]);
    expect(page.next).toEqual({ after: 2, skip: 3 });
  });

  it('says there is nothing more once the feed is read to its end', async () => {
    expect(await readTaxiiPage(read, { after: 8, skip: 0 }, 10)).toEqual({ items: [], next: null });
  });
});

describe(manifestRecord.name, () => {
  it('names the version by modified, or created for objects that have no modified', () => {
    const dateAdded = '2026-01-02T00:00:00.000001Z';
    expect(
      manifestRecord({
        object: { type: 'report', id: 'report--1', modified: '2026-01-03T00:00:00.000Z' },
        dateAdded,
        position: 0,
      }),
    ).toEqual({
      id: 'report--1',
      date_added: dateAdded,
      version: '2026-01-03T00:00:00.000Z',
      media_type: 'application/stix+json;version=2.1',
    });
    expect(manifestRecord({ object: object(0, 0), dateAdded, position: 0 }).version).toBe(
      '2026-01-01T00:00:00.000Z',
    );
  });
});
