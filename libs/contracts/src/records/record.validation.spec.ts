import { publishedAlert, publishedSeizure, validAlert, validSeizure } from '../testing/record.fixtures';
import type { SeizureNotice } from './seizure-notice.record';
import type { Alert } from './alert.record';
import {
  mergeRecordPatch,
  validatePatch,
  validatePublishedRecord,
  validatePublishedRecordOf,
  validateRecord,
} from './record.validation';
import type { FieldViolation, ValidationResult } from '../validation/shape.validation';

function violationsOf<T>(result: ValidationResult<T>): FieldViolation[] {
  if (result.ok) throw new Error(`expected violations, got a valid ${JSON.stringify(result.value)}`);
  return result.violations;
}

function fieldsOf<T>(result: ValidationResult<T>): string[] {
  return violationsOf(result).map((violation) => violation.field);
}

describe(validateRecord.name, () => {
  it.each([
    ['alert', validAlert()],
    ['seizure', validSeizure()],
  ] as const)('accepts a valid %s and returns a fresh plain copy equal to it', (type, body) => {
    const result = validateRecord(type, body);
    expect(result).toEqual({ ok: true, value: body });
    if (!result.ok) return;
    expect(result.value).not.toBe(body);
    expect(Object.getPrototypeOf(result.value)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(result.value))).toStrictEqual(result.value);
  });

  it('accepts a record with only the required fields and adds nothing to it', () => {
    const { reference, title, summary, severity, kind, commodities, handling, language } = validAlert();
    const minimal = { reference, title, summary, severity, kind, commodities, handling, language };
    expect(validateRecord('alert', minimal)).toEqual({ ok: true, value: minimal });
  });

  it.each([null, undefined, [], 'alert', 42, true])('rejects a body that is not an object: %j', (body) => {
    expect(violationsOf(validateRecord('alert', body))).toEqual([
      { field: '', reason: 'must be a JSON object' },
    ]);
  });

  it('lists every bad field with its path, nested ones included', () => {
    const body = {
      ...validAlert(),
      title: 'x'.repeat(201),
      severity: 'urgent',
      commodities: [
        { hsCode: '770000', description: 'reserved chapter', category: 'dual-use' },
        { hsCode: '284410', description: '', category: 'radiological' },
      ],
      route: { origin: 'cn', transit: ['AE', 'XX'], destination: 'IR' },
      entities: [{ name: 'Gulf Trading FZE', role: 'shipper', country: 'AE' }],
      identifiers: [{ kind: 'container' }],
      validUntil: '2027-02-30T00:00:00Z',
      language: 'english',
    };
    expect(fieldsOf(validateRecord('alert', body)).sort()).toEqual(
      [
        'title',
        'severity',
        'commodities[0].hsCode',
        'commodities[1].description',
        'commodities[1].category',
        'route.origin',
        'route.transit[1]',
        'entities[0].role',
        'identifiers[0].value',
        'validUntil',
        'language',
      ].sort(),
    );
  });

  it('names missing required fields', () => {
    const body: Partial<SeizureNotice> = validSeizure();
    delete body.country;
    delete body.commodities;
    expect(violationsOf(validateRecord('seizure', body))).toEqual([
      { field: 'country', reason: 'is required' },
      { field: 'commodities', reason: 'is required' },
    ]);
  });

  it('rejects unknown fields at every depth', () => {
    const alert = validAlert();
    const body = {
      ...alert,
      regions: ['europe'],
      route: { ...alert.route, via: 'Suez' },
      commodities: [{ ...alert.commodities[0], unNumber: '2922' }],
    };
    const violations = violationsOf(validateRecord('alert', body));
    expect(violations).toEqual(
      expect.arrayContaining([
        { field: 'regions', reason: 'is not allowed' },
        { field: 'route.via', reason: 'is not allowed' },
        { field: 'commodities[0].unNumber', reason: 'is not allowed' },
      ]),
    );
    expect(violations).toHaveLength(3);
  });

  it('quotes unknown keys that are not plain names, so the path names one place', () => {
    const body = { ...validAlert(), route: { ...validAlert().route, 'a.b': 1, 'x[0]': 2 } };
    expect(fieldsOf(validateRecord('alert', body)).sort()).toEqual(['route["a.b"]', 'route["x[0]"]']);
  });

  it('rejects hub fields a submitter might try to set', () => {
    const body = { ...validAlert(), originator: 'someone-else', id: 'x', version: 9 };
    expect(fieldsOf(validateRecord('alert', body)).sort()).toEqual(['id', 'originator', 'version']);
  });

  it('never coerces: a number where a string is expected is rejected, and so is a numeric string', () => {
    const seizure = validSeizure();
    const body = {
      ...seizure,
      customsOffice: 4711,
      commodities: [{ ...seizure.commodities[0], hsCode: 284410, quantity: { value: '12.5', unit: 'kg' } }],
    };
    expect(violationsOf(validateRecord('seizure', body))).toEqual(
      expect.arrayContaining([
        { field: 'customsOffice', reason: 'must be a string' },
        { field: 'commodities[0].hsCode', reason: expect.stringContaining('HS code') },
        { field: 'commodities[0].quantity.value', reason: expect.stringContaining('number') },
      ]),
    );
  });

  it('rejects null where a field may only be absent', () => {
    expect(violationsOf(validateRecord('alert', { ...validAlert(), validUntil: null, route: null }))).toEqual(
      [
        { field: 'route', reason: 'must not be null' },
        { field: 'validUntil', reason: 'must not be null' },
      ],
    );
  });

  it('reports a non-object where an object is expected, and a non-array where a list is', () => {
    const body = { ...validAlert(), route: 'CN-AE-IR', entities: { name: 'x' }, commodities: ['848180'] };
    expect(violationsOf(validateRecord('alert', body))).toEqual([
      { field: 'commodities[0]', reason: 'must be an object' },
      { field: 'route', reason: 'must be an object' },
      { field: 'entities', reason: 'must be an array' },
    ]);
  });

  it('requires recipients when handling is restricted', () => {
    const body: Partial<SeizureNotice> = validSeizure();
    delete body.recipients;
    expect(violationsOf(validateRecord('seizure', body))).toEqual([
      { field: 'recipients', reason: 'must list at least one recipient when handling is restricted' },
    ]);
    expect(fieldsOf(validateRecord('seizure', { ...validSeizure(), recipients: [] }))).toEqual([
      'recipients',
    ]);
  });

  it('refuses recipients on a record that is not restricted, but accepts an empty list', () => {
    expect(violationsOf(validateRecord('alert', { ...validAlert(), recipients: ['rilo-we'] }))).toEqual([
      { field: 'recipients', reason: 'must be empty unless handling is restricted' },
    ]);
    expect(validateRecord('alert', { ...validAlert(), recipients: [] }).ok).toBe(true);
  });

  it('checks recipients are organization codes, listed once, naming the bad item', () => {
    const body = { ...validSeizure(), recipients: ['rilo_we', 'iaea', 'iaea'] };
    expect(violationsOf(validateRecord('seizure', body))).toEqual([
      { field: 'recipients', reason: "All recipients's elements must be unique" },
      {
        field: 'recipients[0]',
        reason:
          'must be an organization code (2-40 letters, digits or hyphens, starting with a letter or digit)',
      },
    ]);
  });

  it('lowercases recipients typed in capitals, and then counts them once', () => {
    const body = { ...validSeizure(), recipients: ['RILO-WE', 'Iaea'] };
    const result = validateRecord('seizure', body);
    expect(result).toEqual({ ok: true, value: { ...body, recipients: ['rilo-we', 'iaea'] } });
    expect(body.recipients).toEqual(['RILO-WE', 'Iaea']);
    expect(
      violationsOf(validateRecord('seizure', { ...validSeizure(), recipients: ['IAEA', 'iaea'] })),
    ).toEqual([{ field: 'recipients', reason: "All recipients's elements must be unique" }]);
    expect(validatePatch('alert', { handling: 'restricted', recipients: ['IAEA'] })).toEqual({
      ok: true,
      value: { handling: 'restricted', recipients: ['iaea'] },
    });
    // Only ASCII capitals: the Kelvin sign would lowercase to a `k`.
    expect(
      fieldsOf(validateRecord('seizure', { ...validSeizure(), recipients: ['\u212Az-customs'] })),
    ).toEqual(['recipients[0]']);
  });

  it('names each bad item of a list of codes, with one reason per item', () => {
    const seizure = validSeizure();
    const body = {
      ...seizure,
      route: { origin: 'KZ', transit: ['TR', 'xx', 7, 'GE'], destination: 'BR' },
      relatedAlerts: ['ok-1', 42, '-bad'],
    };
    expect(violationsOf(validateRecord('seizure', body))).toEqual([
      { field: 'route.transit[1]', reason: 'must be an uppercase ISO 3166-1 alpha-2 country code' },
      { field: 'route.transit[2]', reason: 'must be an uppercase ISO 3166-1 alpha-2 country code' },
      { field: 'relatedAlerts[1]', reason: 'must be a string' },
      {
        field: 'relatedAlerts[2]',
        reason: 'must start with a letter or digit and hold only letters, digits and . _ : / -',
      },
    ]);
  });

  it('refuses a list where an object is expected, and a list inside a list of objects', () => {
    const alert = validAlert();
    expect(violationsOf(validateRecord('alert', { ...alert, route: [] }))).toEqual([
      { field: 'route', reason: 'must be an object' },
    ]);
    expect(violationsOf(validateRecord('alert', { ...alert, route: [alert.route] }))).toEqual([
      { field: 'route', reason: 'must be an object' },
    ]);
    const commodities = [[], alert.commodities[0], [{ ...alert.commodities[1], hsCode: 'x' }]];
    expect(violationsOf(validateRecord('alert', { ...alert, commodities }))).toEqual([
      { field: 'commodities[0]', reason: 'must be an object' },
      { field: 'commodities[2]', reason: 'must be an object' },
    ]);
  });

  it('refuses a seizure dated in the future', () => {
    const tomorrow = new Date(Date.now() + 24 * 3600 * 1000).toISOString();
    expect(violationsOf(validateRecord('seizure', { ...validSeizure(), seizedAt: tomorrow }))).toEqual([
      { field: 'seizedAt', reason: 'must not be in the future' },
    ]);
  });

  it.each([
    '2026-03-01',
    '2026-03-01T08:30:00',
    '2026-13-01T00:00:00Z',
    '2026-02-29T00:00:00Z',
    '2026-03-01 08:30:00Z',
  ])('refuses %j as a date-time', (seizedAt) => {
    expect(fieldsOf(validateRecord('seizure', { ...validSeizure(), seizedAt }))).toEqual(['seizedAt']);
  });

  it('bounds lists and refuses an alert without commodities', () => {
    const alert = validAlert();
    const many = Array.from({ length: 101 }, () => alert.commodities[0]);
    expect(fieldsOf(validateRecord('alert', { ...alert, commodities: many }))).toEqual(['commodities']);
    expect(fieldsOf(validateRecord('alert', { ...alert, commodities: [] }))).toEqual(['commodities']);
  });

  it('refuses control characters in free text and malformed references', () => {
    const body = { ...validAlert(), summary: 'line\u0000break', reference: '-starts-with-hyphen' };
    expect(fieldsOf(validateRecord('alert', body)).sort()).toEqual(['reference', 'summary']);
  });

  it('refuses unpaired surrogates in free text, which no UTF-8 text can hold, but takes any character', () => {
    for (const title of ['lone \ud800', 'lone \udfff', '\udc00\ud800']) {
      expect(violationsOf(validateRecord('alert', { ...validAlert(), title }))).toEqual([
        {
          field: 'title',
          reason: 'must be one line of well-formed text without control characters or bidi overrides',
        },
      ]);
    }
    expect(
      validateRecord('alert', { ...validAlert(), title: 'Zoll 关税 الجمارك 😀 e\u0301 \ufeff' }).ok,
    ).toBe(true);
  });

  // I-1: what reorders or forges what an analyst or an operator's terminal shows.
  it.each([
    ['a C1 control (CSI)', 'Valves \u009b31m'],
    ['a C1 control (NEL)', 'Valves\u0085forged line'],
    ['a right-to-left override', 'invoice\u202efdp.exe'],
    ['a left-to-right embedding', '\u202aValves'],
    ['a pop directional formatting', 'Valves\u202c'],
    ['a first-strong isolate', 'Valves \u2068x\u2069'],
    ['a right-to-left isolate', 'Valves \u2067x'],
  ])('refuses %s in one-line and multi-line text alike', (_what, text) => {
    expect(violationsOf(validateRecord('alert', { ...validAlert(), title: text, summary: text }))).toEqual([
      {
        field: 'title',
        reason: 'must be one line of well-formed text without control characters or bidi overrides',
      },
      {
        field: 'summary',
        reason:
          'must be well-formed text without control characters (other than tab and line breaks) or bidi overrides',
      },
    ]);
  });

  it.each([
    ['a line feed', 'Valves\n{"level":"fatal"}'],
    ['a carriage return', 'Valves\rForged'],
    ['a line separator', 'Valves\u2028Forged'],
    ['a paragraph separator', 'Valves\u2029Forged'],
  ])('refuses %s in one-line fields (title, names, offices) but not in prose', (_what, text) => {
    const alert = { ...validAlert(), title: text, summary: text };
    alert.entities = [{ name: text, role: 'consignee' }];
    expect(violationsOf(validateRecord('alert', alert))).toEqual([
      {
        field: 'title',
        reason: 'must be one line of well-formed text without control characters or bidi overrides',
      },
      {
        field: 'entities[0].name',
        reason: 'must be one line of well-formed text without control characters or bidi overrides',
      },
    ]);
    const seizure = { ...validSeizure(), customsOffice: text, narrative: text, concealment: text };
    expect(fieldsOf(validateRecord('seizure', seizure))).toEqual(['customsOffice']);
  });

  it('keeps tabs, the directional marks right-to-left text needs, and line breaks in prose', () => {
    const body = {
      ...validAlert(),
      title: 'Valves\tDN50 \u200fשסתומים\u200e \u061cصمامات',
      summary: 'First line\r\nSecond line\n\tindented',
    };
    expect(validateRecord('alert', body).ok).toBe(true);
  });

  it('counts text length in characters (code points), as the JSON Schema and PostgreSQL do', () => {
    expect(validateRecord('alert', { ...validAlert(), title: '😀'.repeat(200) }).ok).toBe(true);
    expect(fieldsOf(validateRecord('alert', { ...validAlert(), title: '😀'.repeat(201) }))).toEqual([
      'title',
    ]);
  });

  it('refuses prototype keys and absurd nesting without touching prototypes', () => {
    const body = JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {}}}') as unknown;
    const violations = violationsOf(validateRecord('alert', body));
    expect(violations).toEqual(
      expect.arrayContaining([
        { field: '__proto__', reason: 'is not allowed' },
        { field: 'constructor', reason: 'is not allowed' },
      ]),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    for (const key of ['hasOwnProperty', 'toString', 'valueOf', '__defineGetter__']) {
      const withKey = { ...validAlert(), commodities: [{ ...validAlert().commodities[0], [key]: 1 }] };
      expect(violationsOf(validateRecord('alert', withKey))).toEqual([
        { field: `commodities[0].${key}`, reason: 'is not allowed' },
      ]);
    }

    let deep: unknown = 'bottom';
    for (let level = 0; level < 50; level += 1) deep = { level: deep };
    expect(violationsOf(validateRecord('alert', { ...validAlert(), route: deep }))).toEqual(
      expect.arrayContaining([
        { field: expect.stringMatching(/^route(\.level)+$/), reason: expect.stringContaining('nest') },
      ]),
    );
  });

  it('refuses values JSON cannot carry', () => {
    const body = {
      ...validSeizure(),
      seizedAt: new Date(),
      commodities: [{ ...validSeizure().commodities[0], quantity: { value: Infinity, unit: 'kg' } }],
    };
    expect(fieldsOf(validateRecord('seizure', body))).toEqual(
      expect.arrayContaining(['seizedAt', 'commodities[0].quantity.value']),
    );
  });

  it('allows amounts four decimals deep, and names the amount rather than throwing on an exponent', () => {
    const seizure = validSeizure();
    const withAmount = (amount: number): SeizureNotice => ({
      ...seizure,
      commodities: [{ ...seizure.commodities[0], estimatedValue: { amount, currency: 'EUR' } }],
    });
    for (const amount of [0, 12000, 1.2345, 999999999.9999])
      expect(validateRecord('seizure', withAmount(amount)).ok).toBe(true);
    for (const amount of [1.23456, 0.00001, 1e-7, 5e-324]) {
      expect(fieldsOf(validateRecord('seizure', withAmount(amount)))).toEqual([
        'commodities[0].estimatedValue.amount',
      ]);
    }
  });

  it('throws on an unknown record type: that is a programming error, not bad input', () => {
    expect(() => validateRecord('manifest' as 'alert', validAlert())).toThrow(TypeError);
  });
});

describe(validatePatch.name, () => {
  it('accepts a partial body', () => {
    expect(validatePatch('alert', { severity: 'critical', validUntil: null })).toEqual({
      ok: true,
      value: { severity: 'critical', validUntil: null },
    });
  });

  it('refuses a change of reference', () => {
    expect(violationsOf(validatePatch('alert', { reference: 'NEW-REF', title: 'Updated' }))).toEqual([
      { field: 'reference', reason: 'cannot be changed' },
    ]);
  });

  it('applies the field rules and lists every bad field', () => {
    const patch = {
      severity: 'urgent',
      commodities: [{ hsCode: '99', description: 'x', category: 'nuclear' }],
      extra: 1,
    };
    expect(fieldsOf(validatePatch('alert', patch)).sort()).toEqual([
      'commodities[0].hsCode',
      'extra',
      'severity',
    ]);
  });

  it('refuses null on a field the record cannot be without', () => {
    expect(violationsOf(validatePatch('seizure', { customsOffice: null }))).toEqual([
      { field: 'customsOffice', reason: 'must not be null' },
    ]);
  });

  it('refuses an empty patch and a non-object', () => {
    expect(violationsOf(validatePatch('seizure', {}))).toEqual([
      { field: '', reason: 'must change at least one field' },
    ]);
    expect(violationsOf(validatePatch('seizure', [{ title: 'x' }]))).toEqual([
      { field: '', reason: 'must be a JSON object' },
    ]);
  });
});

describe(mergeRecordPatch.name, () => {
  it('replaces top-level fields, removes nulled ones and keeps the reference', () => {
    const current = validAlert();
    const patch = validatePatch('alert', {
      severity: 'critical',
      route: { origin: 'TR', destination: 'IR' },
      validUntil: null,
    });
    if (!patch.ok) throw new Error('patch should be valid');
    const merged = mergeRecordPatch('alert', current, patch.value);
    expect(merged.severity).toBe('critical');
    expect(merged.route).toEqual({ origin: 'TR', destination: 'IR' });
    expect(merged).not.toHaveProperty('validUntil');
    expect(merged.reference).toBe(current.reference);
    expect(validateRecord('alert', merged).ok).toBe(true);
    expect(current.severity).toBe('high');
  });

  it('keeps the reference even if a caller slips one in', () => {
    const merged = mergeRecordPatch('alert', validAlert(), { reference: 'OTHER' } as never);
    expect(merged.reference).toBe(validAlert().reference);
  });

  it('yields a record that fails validation when the patch makes it inconsistent', () => {
    const patch = validatePatch('alert', { handling: 'restricted' });
    if (!patch.ok) throw new Error('patch should be valid on its own');
    expect(
      violationsOf(validateRecord('alert', mergeRecordPatch('alert', validAlert(), patch.value))),
    ).toEqual([
      { field: 'recipients', reason: 'must list at least one recipient when handling is restricted' },
    ]);
  });
});

describe(validatePublishedRecord.name, () => {
  it('accepts stored records of both types', () => {
    expect(validatePublishedRecord(publishedAlert()).ok).toBe(true);
    expect(validatePublishedRecord(publishedSeizure()).ok).toBe(true);
  });

  it('checks the hub fields and the body rules together', () => {
    const record = { ...publishedSeizure(), version: 0, regions: ['atlantis'], recipients: [] };
    expect(fieldsOf(validatePublishedRecord(record)).sort()).toEqual(['recipients', 'regions[0]', 'version']);
  });

  it('refuses a record of unknown type', () => {
    expect(fieldsOf(validatePublishedRecord({ ...publishedAlert(), type: 'manifest' }))).toEqual(['type']);
  });
});

describe(validatePublishedRecordOf.name, () => {
  function accepted(type: 'alert', body: object): Alert {
    const result = validateRecord(type, body);
    if (!result.ok) throw new Error('expected a valid body');
    return result.value;
  }

  function hubFieldsOf(record: object): Record<string, unknown> {
    const body = validAlert();
    return Object.fromEntries(Object.entries(record).filter(([key]) => !(key in body)));
  }

  it('accepts a record made of an accepted body and valid hub fields, as the record itself', () => {
    const body = accepted('alert', validAlert());
    const record = { ...body, ...hubFieldsOf(publishedAlert()) };
    const result = validatePublishedRecordOf(body, record);
    expect(result).toEqual(validatePublishedRecord(record));
    // Not a copy made by a second validation of the whole record.
    expect(result.ok && result.value).toBe(record);
  });

  it('still checks the hub fields', () => {
    const body = accepted('alert', validAlert());
    const record = { ...body, ...hubFieldsOf(publishedAlert()), version: 0, regions: ['atlantis'] };
    expect(fieldsOf(validatePublishedRecordOf(body, record)).sort()).toEqual(['regions[0]', 'version']);
  });

  it('validates the whole record when the body was not accepted by validateRecord or does not match', () => {
    const invalid = { ...publishedAlert(), title: '' };
    // A plain object never passed through validateRecord.
    expect(fieldsOf(validatePublishedRecordOf({ ...invalid }, invalid))).toEqual(['title']);
    const body = accepted('alert', validAlert());
    // The record carries a field of another value than the accepted body.
    expect(
      fieldsOf(validatePublishedRecordOf(body, { ...body, ...hubFieldsOf(invalid), title: '' })),
    ).toEqual(['title']);
    // The record lacks a field of the body (required here), or adds one the body did not have.
    const { title: _title, ...untitled } = { ...body, ...hubFieldsOf(publishedAlert()) };
    expect(fieldsOf(validatePublishedRecordOf(body, untitled))).toEqual(['title']);
    const extra = { ...body, ...hubFieldsOf(publishedAlert()), unknownField: 1 };
    expect(fieldsOf(validatePublishedRecordOf(body, extra))).toEqual(['unknownField']);
  });

  it('validates the whole record when it is of another type than the body was accepted as', () => {
    const body = accepted('alert', validAlert());
    const record = { ...body, ...hubFieldsOf(publishedAlert()), type: 'seizure' };
    expect(validatePublishedRecordOf(body, record).ok).toBe(false);
  });
});
