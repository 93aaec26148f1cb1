import fc from 'fast-check';
import { hsChapter, isValidHsCode, isValidHsPrefix } from './hs-code.taxonomy';

/** The rule restated without the pattern: chapters 1..97 except 77. */
function chapterExists(digits: string): boolean {
  const chapter = Number(digits.slice(0, 2));
  return chapter >= 1 && chapter <= 97 && chapter !== 77;
}

describe(isValidHsCode.name, () => {
  it.each(['284410', '848180', '8401100000', '93019000', '010121'])('accepts %s', (code) => {
    expect(isValidHsCode(code)).toBe(true);
  });

  it.each([
    ['770000', 'reserved chapter 77'],
    ['000000', 'chapter 00'],
    ['980000', 'national chapter 98'],
    ['990000', 'national chapter 99'],
    ['28441', 'five digits'],
    ['28441000001', 'eleven digits'],
    ['2844.10', 'punctuation'],
    [' 284410', 'whitespace'],
    ['28441O', 'a letter'],
    ['', 'nothing'],
  ])('rejects %j (%s)', (code) => {
    expect(isValidHsCode(code)).toBe(false);
  });

  it('agrees with the chapter rule for any digit string', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{1,12}$/), (digits) => {
        const expected = digits.length >= 6 && digits.length <= 10 && chapterExists(digits);
        expect(isValidHsCode(digits)).toBe(expected);
      }),
    );
  });
});

describe(isValidHsPrefix.name, () => {
  it.each(['28', '2844', '284410', '8401100000'])('accepts %s', (prefix) =>
    expect(isValidHsPrefix(prefix)).toBe(true),
  );
  it.each(['2', '77', '7701', '00', '99', '12345678901', 'ab'])('rejects %s', (prefix) =>
    expect(isValidHsPrefix(prefix)).toBe(false),
  );

  it('agrees with the chapter rule for any digit string', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{1,12}$/), (digits) => {
        expect(isValidHsPrefix(digits)).toBe(
          digits.length >= 2 && digits.length <= 10 && chapterExists(digits),
        );
      }),
    );
  });
});

describe(hsChapter.name, () => {
  it('returns the chapter of valid codes and prefixes only', () => {
    expect(hsChapter('284410')).toBe('28');
    expect(hsChapter('93')).toBe('93');
    expect(hsChapter('770000')).toBeUndefined();
    expect(hsChapter('x')).toBeUndefined();
  });
});
