import { decodeTaxiiCursor, encodeTaxiiCursor, type TaxiiCursor } from './taxii-cursor';

describe('TAXII next tokens', () => {
  const cursors: TaxiiCursor[] = [
    { position: { after: null, skip: 0 }, addedAfter: null },
    { position: { after: { txId: '812', id: '44' }, skip: 3 }, addedAfter: null },
    {
      position: { after: { txId: '9223372036854775807', id: '1' }, skip: 0 },
      addedAfter: '2026-03-01T09:00:00.123456Z',
    },
  ];

  it.each(cursors)('gives back what it issued: %j', (cursor) => {
    expect(decodeTaxiiCursor(encodeTaxiiCursor(cursor))).toEqual(cursor);
  });

  it.each([
    ['not base64url', '!!!'],
    ['too few parts', Buffer.from('1~2~3').toString('base64url')],
    ['a position out of range', Buffer.from('9223372036854775808~1~0~').toString('base64url')],
    ['half a position', Buffer.from('12~~0~').toString('base64url')],
    ['a negative skip', Buffer.from('1~2~-1~').toString('base64url')],
    ['a huge skip', Buffer.from('1~2~99999~').toString('base64url')],
    ['leading zeros', Buffer.from('01~2~0~').toString('base64url')],
    ['a bad added_after', Buffer.from("1~2~0~2026-03-01'; DROP").toString('base64url')],
    ['padding', `${Buffer.from('1~2~0~').toString('base64url')}=`],
  ])('refuses %s', (_name, token) => {
    expect(decodeTaxiiCursor(token)).toBeNull();
  });
});
