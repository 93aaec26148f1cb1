import { LIMITS } from '../records/record.limits';
import type { FieldViolation, ValidationResult } from '../validation/shape.validation';
import type { NewSubscription } from './subscription.contract';
import {
  applySubscriptionUpdate,
  validateNewSubscription,
  validateSubscriptionUpdate,
} from './subscription.validation';

function violationsOf<T>(result: ValidationResult<T>): FieldViolation[] {
  if (result.ok) throw new Error(`expected violations, got a valid ${JSON.stringify(result.value)}`);
  return result.violations;
}

function fieldsOf<T>(result: ValidationResult<T>): string[] {
  return violationsOf(result)
    .map((violation) => violation.field)
    .sort();
}

function fullSubscription(): NewSubscription {
  return {
    name: 'Nuclear and chemical precursors, Europe and MENA',
    filter: {
      types: ['alert', 'seizure'],
      regions: ['europe', 'mena'],
      countries: ['AE', 'IR', 'TR'],
      hsPrefixes: ['2844', '2812', '848180', '8401'],
      categories: ['nuclear', 'chemical'],
      minSeverity: 'high',
    },
    delivery: { type: 'webhook', url: 'https://intel.douane.example/hooks/cosmo?feed=7' },
  };
}

describe(validateNewSubscription.name, () => {
  it('accepts a full subscription and returns a fresh plain copy equal to it', () => {
    const body = fullSubscription();
    const result = validateNewSubscription(body);
    expect(result).toEqual({ ok: true, value: body });
    if (!result.ok) return;
    expect(result.value).not.toBe(body);
    expect(result.value.filter).not.toBe(body.filter);
    expect(Object.getPrototypeOf(result.value.filter)).toBe(Object.prototype);
  });

  it('accepts an empty filter (every event the subscriber may read) with pull delivery, adding nothing', () => {
    const body = { name: 'Everything', filter: {}, delivery: { type: 'pull' } };
    expect(validateNewSubscription(body)).toEqual({ ok: true, value: body });
  });

  it.each([null, undefined, [], 'subscription', 7])('rejects a body that is not an object: %j', (body) => {
    expect(violationsOf(validateNewSubscription(body))).toEqual([
      { field: '', reason: 'must be a JSON object' },
    ]);
  });

  it('names every missing field', () => {
    expect(violationsOf(validateNewSubscription({}))).toEqual([
      { field: 'name', reason: 'is required' },
      { field: 'filter', reason: 'is required' },
      { field: 'delivery', reason: 'is required' },
    ]);
  });

  it('lists every bad field of the filter, naming the bad item of a list', () => {
    const body = {
      ...fullSubscription(),
      filter: {
        types: ['alert', 'manifest'],
        regions: ['europe', 'atlantis'],
        countries: ['FR', 'fr', 'XK'],
        hsPrefixes: ['2844', '2', '7701', '12a4', '28441000000'],
        categories: ['radiological'],
        minSeverity: 'urgent',
      },
    };
    expect(violationsOf(validateNewSubscription(body))).toEqual([
      {
        field: 'filter.types[1]',
        reason: 'must be one of the following values: alert, seizure, feedback, escalation',
      },
      {
        field: 'filter.regions[1]',
        reason: expect.stringContaining('must be one of the following values: americas, europe'),
      },
      { field: 'filter.countries[1]', reason: 'must be an uppercase ISO 3166-1 alpha-2 country code' },
      { field: 'filter.countries[2]', reason: 'must be an uppercase ISO 3166-1 alpha-2 country code' },
      ...[1, 2, 3, 4].map((index) => ({
        field: `filter.hsPrefixes[${index}]`,
        reason: 'must be an HS prefix of 2 to 10 digits starting with a chapter 01-97 (not 77)',
      })),
      {
        field: 'filter.categories[0]',
        reason: expect.stringContaining('must be one of the following values'),
      },
      { field: 'filter.minSeverity', reason: expect.stringContaining('low, medium, high, critical') },
    ]);
  });

  it('refuses empty, repeated and oversized lists: an absent field means any, an empty one means nothing', () => {
    const tooManyPrefixes = Array.from({ length: LIMITS.filterHsPrefixes + 1 }, (_, index) =>
      String(1000 + index),
    );
    const body = {
      ...fullSubscription(),
      filter: {
        types: [],
        regions: ['europe', 'europe'],
        countries: [],
        hsPrefixes: tooManyPrefixes,
        categories: [],
      },
    };
    expect(fieldsOf(validateNewSubscription(body))).toEqual([
      'filter.categories',
      'filter.countries',
      'filter.hsPrefixes',
      'filter.regions',
      'filter.types',
    ]);
    expect(
      validateNewSubscription({
        ...fullSubscription(),
        filter: { hsPrefixes: tooManyPrefixes.slice(0, LIMITS.filterHsPrefixes) },
      }).ok,
    ).toBe(true);
  });

  it('accepts HS prefixes from a chapter (2 digits) to a full national line (10 digits)', () => {
    const filter = { hsPrefixes: ['28', '2844', '284410', '28441000', '2844100010', '01', '97'] };
    expect(validateNewSubscription({ ...fullSubscription(), filter }).ok).toBe(true);
  });

  it('never coerces and refuses nulls and wrong types with one reason each', () => {
    const body = {
      name: 42,
      filter: { types: 'alert', regions: null, hsPrefixes: [2844, '2844'], minSeverity: 3 },
      delivery: { type: 'webhook', url: 7 },
    };
    expect(violationsOf(validateNewSubscription(body))).toEqual([
      { field: 'name', reason: 'must be a string' },
      { field: 'filter.types', reason: 'must be an array' },
      { field: 'filter.regions', reason: 'must not be null' },
      {
        field: 'filter.hsPrefixes[0]',
        reason: 'must be an HS prefix of 2 to 10 digits starting with a chapter 01-97 (not 77)',
      },
      { field: 'filter.minSeverity', reason: expect.stringContaining('must be one of') },
      { field: 'delivery.url', reason: 'must be a string' },
    ]);
  });

  it('refuses unknown fields at every depth', () => {
    const body = {
      ...fullSubscription(),
      owner: 'someone-else',
      filter: { ...fullSubscription().filter, handling: ['community'] },
      delivery: { ...fullSubscription().delivery, secret: 'whsec_x' },
    };
    expect(violationsOf(validateNewSubscription(body))).toEqual(
      expect.arrayContaining([
        { field: 'owner', reason: 'is not allowed' },
        { field: 'filter.handling', reason: 'is not allowed' },
        { field: 'delivery.secret', reason: 'is not allowed' },
      ]),
    );
    expect(fieldsOf(validateNewSubscription(body))).toHaveLength(3);
  });

  it('refuses a list or a scalar where the filter or the delivery object is expected', () => {
    expect(violationsOf(validateNewSubscription({ ...fullSubscription(), filter: [] }))).toEqual([
      { field: 'filter', reason: 'must be an object' },
    ]);
    expect(
      violationsOf(validateNewSubscription({ ...fullSubscription(), delivery: [{ type: 'pull' }] })),
    ).toEqual([{ field: 'delivery', reason: 'must be an object' }]);
    expect(violationsOf(validateNewSubscription({ ...fullSubscription(), delivery: 'pull' }))).toEqual([
      { field: 'delivery', reason: 'must be an object' },
    ]);
  });

  it('bounds the name and refuses control characters in it', () => {
    const long = { ...fullSubscription(), name: 'x'.repeat(LIMITS.subscriptionName + 1) };
    expect(violationsOf(validateNewSubscription(long))).toEqual([
      { field: 'name', reason: 'must be 1 to 100 characters long' },
    ]);
    expect(fieldsOf(validateNewSubscription({ ...fullSubscription(), name: '' }))).toEqual(['name']);
    expect(violationsOf(validateNewSubscription({ ...fullSubscription(), name: 'a\u0007b' }))).toEqual([
      {
        field: 'name',
        reason: 'must be one line of well-formed text without control characters or bidi overrides',
      },
    ]);
  });

  describe('delivery', () => {
    const withDelivery = (delivery: unknown): unknown => ({ ...fullSubscription(), delivery });

    it('accepts pull, and webhook over http or https', () => {
      for (const delivery of [
        { type: 'pull' },
        { type: 'webhook', url: 'https://hooks.example.org/cosmo' },
        { type: 'webhook', url: 'http://10.1.2.3:8080/in?x=1&y=%20z' },
        { type: 'webhook', url: 'https://[2001:db8::1]/hub' },
      ]) {
        expect(validateNewSubscription(withDelivery(delivery)).ok).toBe(true);
      }
    });

    it('reports only the type when it is missing or unknown', () => {
      expect(violationsOf(validateNewSubscription(withDelivery({ url: 'https://x.example' })))).toEqual([
        { field: 'delivery.type', reason: 'is required' },
      ]);
      expect(
        violationsOf(validateNewSubscription(withDelivery({ type: 'ftp', url: 'ftp://x.example' }))),
      ).toEqual([{ field: 'delivery.type', reason: 'must be one of the following values: pull, webhook' }]);
    });

    it('requires a url for a webhook and refuses one for pull', () => {
      expect(violationsOf(validateNewSubscription(withDelivery({ type: 'webhook' })))).toEqual([
        { field: 'delivery.url', reason: 'is required' },
      ]);
      expect(
        violationsOf(validateNewSubscription(withDelivery({ type: 'pull', url: 'https://x.example' }))),
      ).toEqual([{ field: 'delivery.url', reason: 'is not allowed' }]);
    });

    it.each([
      ['a relative URL', '/hooks/cosmo', 'must be an absolute URL starting with https:// or http://'],
      [
        'another scheme',
        'ftp://files.example/in',
        'must be an absolute URL starting with https:// or http://',
      ],
      [
        'an uppercase scheme',
        'HTTPS://hooks.example',
        'must be an absolute URL starting with https:// or http://',
      ],
      [
        'a scheme without slashes',
        'https:hooks.example',
        'must be an absolute URL starting with https:// or http://',
      ],
      [
        'user and password',
        'https://bob:s3cret@hooks.example/in',
        'must not contain credentials (user:password@)',
      ],
      ['a user alone', 'https://bob@hooks.example/in', 'must not contain credentials (user:password@)'],
      ['an empty user part', 'https://@hooks.example/in', 'must not contain credentials (user:password@)'],
      ['a fragment', 'https://hooks.example/in#part', 'must not have a fragment'],
      ['an empty fragment', 'https://hooks.example/in#', 'must not have a fragment'],
      ['no host', 'https:///in', 'must be a valid URL with a host'],
      ['a bad port', 'https://hooks.example:99999/in', 'must be a valid URL with a host'],
      [
        'a space',
        'https://hooks.example/a b',
        'must hold only printable ASCII characters (percent-encode the rest) and no backslash',
      ],
      [
        'a backslash',
        'https://hooks.example\\@evil.example/',
        'must hold only printable ASCII characters (percent-encode the rest) and no backslash',
      ],
      [
        'a non-ASCII host',
        'https://bücher.example/in',
        'must hold only printable ASCII characters (percent-encode the rest) and no backslash',
      ],
      [
        'a trailing newline',
        'https://hooks.example/in\n',
        'must hold only printable ASCII characters (percent-encode the rest) and no backslash',
      ],
    ])('refuses a webhook url with %s', (_label, url, reason) => {
      expect(violationsOf(validateNewSubscription(withDelivery({ type: 'webhook', url })))).toEqual([
        { field: 'delivery.url', reason },
      ]);
    });

    it(`bounds the url at ${LIMITS.webhookUrl} characters`, () => {
      const base = 'https://hooks.example/';
      const fits = `${base}${'a'.repeat(LIMITS.webhookUrl - base.length)}`;
      expect(validateNewSubscription(withDelivery({ type: 'webhook', url: fits })).ok).toBe(true);
      expect(
        violationsOf(validateNewSubscription(withDelivery({ type: 'webhook', url: `${fits}a` }))),
      ).toEqual([{ field: 'delivery.url', reason: `must be at most ${LIMITS.webhookUrl} characters long` }]);
    });
  });
});

describe('replayFrom', () => {
  it('accepts an RFC 3339 time or a cursor-shaped value, and nothing else', () => {
    for (const replayFrom of ['2026-11-01T00:00:00Z', '2026-11-01T08:30:00.123+02:00', 'MTIzOjQ1Ng']) {
      expect(validateNewSubscription({ ...fullSubscription(), replayFrom })).toEqual({
        ok: true,
        value: { ...fullSubscription(), replayFrom },
      });
    }
    for (const replayFrom of [
      '2026-11-01',
      '2026-02-30T00:00:00Z',
      'last week',
      '',
      'a'.repeat(101),
      7,
      null,
    ]) {
      expect(violationsOf(validateNewSubscription({ ...fullSubscription(), replayFrom }))).toEqual([
        {
          field: 'replayFrom',
          reason:
            replayFrom === null
              ? 'must not be null'
              : 'must be an RFC 3339 date-time with offset (e.g. 2026-03-01T08:30:00Z) or a feed cursor',
        },
      ]);
    }
  });

  it('belongs to the creation only: an update cannot carry it', () => {
    expect(violationsOf(validateSubscriptionUpdate({ replayFrom: '2026-11-01T00:00:00Z' }))).toEqual([
      { field: 'replayFrom', reason: 'is not allowed' },
    ]);
  });
});

describe(validateSubscriptionUpdate.name, () => {
  it('accepts any of name, filter and delivery', () => {
    for (const body of [
      { name: 'Renamed' },
      { filter: { categories: ['missile'] } },
      { filter: {} },
      { delivery: { type: 'pull' } },
      { delivery: { type: 'webhook', url: 'https://hooks.example/new' } },
    ]) {
      expect(validateSubscriptionUpdate(body)).toEqual({ ok: true, value: body });
    }
  });

  it('applies the same field rules, with paths', () => {
    const body = {
      filter: { hsPrefixes: ['2844', '77'] },
      delivery: { type: 'webhook', url: 'https://a:b@x.example' },
      owner: 'x',
    };
    expect(fieldsOf(validateSubscriptionUpdate(body))).toEqual([
      'delivery.url',
      'filter.hsPrefixes[1]',
      'owner',
    ]);
  });

  it('refuses null: a subscription cannot be without a name, a filter or a delivery', () => {
    expect(violationsOf(validateSubscriptionUpdate({ name: null, filter: null, delivery: null }))).toEqual([
      { field: 'name', reason: 'must not be null' },
      { field: 'filter', reason: 'must not be null' },
      { field: 'delivery', reason: 'must not be null' },
    ]);
  });

  it('refuses an empty update and a non-object', () => {
    expect(violationsOf(validateSubscriptionUpdate({}))).toEqual([
      { field: '', reason: 'must change at least one field' },
    ]);
    expect(violationsOf(validateSubscriptionUpdate([{ name: 'x' }]))).toEqual([
      { field: '', reason: 'must be a JSON object' },
    ]);
  });
});

describe(applySubscriptionUpdate.name, () => {
  it('replaces the filter whole instead of merging it, and keeps what the update leaves out', () => {
    const current = fullSubscription();
    const updated = applySubscriptionUpdate(current, { filter: { categories: ['missile'] } });
    expect(updated).toEqual({ ...current, filter: { categories: ['missile'] } });
    expect(current.filter.hsPrefixes).toHaveLength(4);
    expect(applySubscriptionUpdate(current, { delivery: { type: 'pull' }, name: 'n' })).toEqual({
      name: 'n',
      filter: current.filter,
      delivery: { type: 'pull' },
    });
  });
});
