import { ISO_COUNTRY_CODES, isIsoCountry } from './iso-country.taxonomy';
import { ISO_CURRENCY_CODES, isIsoCurrency } from './iso-currency.taxonomy';
import { ISO_LANGUAGE_CODES, isIsoLanguage } from './iso-language.taxonomy';

describe('ISO_COUNTRY_CODES', () => {
  it('holds the 249 officially assigned alpha-2 codes', () => {
    expect(ISO_COUNTRY_CODES.size).toBe(249);
    for (const code of ISO_COUNTRY_CODES) expect(code).toMatch(/^[A-Z]{2}$/);
  });

  it('agrees with the region names ICU knows, when the runtime has them', () => {
    const names = new Intl.DisplayNames(['en'], { type: 'region' });
    for (const code of ISO_COUNTRY_CODES) expect(names.of(code)).not.toBe(code);
  });

  it.each(['FR', 'TW', 'AQ', 'SX'])('accepts %s', (code) => expect(isIsoCountry(code)).toBe(true));
  it.each(['fr', 'UK', 'EU', 'XK', 'ZZ', 'FRA', '', 12, null])('rejects %j', (code) =>
    expect(isIsoCountry(code)).toBe(false),
  );
});

describe('ISO_CURRENCY_CODES', () => {
  it('holds three-letter codes, about as many as ISO 4217 lists', () => {
    expect(ISO_CURRENCY_CODES.size).toBeGreaterThan(170);
    expect(ISO_CURRENCY_CODES.size).toBeLessThan(190);
    for (const code of ISO_CURRENCY_CODES) expect(code).toMatch(/^[A-Z]{3}$/);
  });

  it.each(['EUR', 'USD', 'XOF', 'XCG', 'ZWG', 'VED'])('accepts %s', (code) =>
    expect(isIsoCurrency(code)).toBe(true),
  );
  it.each(['eur', 'HRK', 'ANG', 'XXX', 'XTS', 'EU', ''])('rejects %j', (code) =>
    expect(isIsoCurrency(code)).toBe(false),
  );
});

describe('ISO_LANGUAGE_CODES', () => {
  it('holds the 183 two-letter codes of ISO 639-1', () => {
    expect(ISO_LANGUAGE_CODES.size).toBe(183);
    for (const code of ISO_LANGUAGE_CODES) expect(code).toMatch(/^[a-z]{2}$/);
  });

  it.each(['en', 'fr', 'ar', 'ru', 'es', 'zh'])('accepts %s', (code) =>
    expect(isIsoLanguage(code)).toBe(true),
  );
  it.each(['EN', 'bh', 'eng', 'xx', ''])('rejects %j', (code) => expect(isIsoLanguage(code)).toBe(false));
});
