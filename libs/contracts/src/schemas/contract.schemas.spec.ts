import { HANDLING_CODES } from '../records/record.enums';
import { contractJsonSchemas, type JsonSchema } from './contract.schemas';

type Schemas = Record<string, JsonSchema>;

function property(schemas: Schemas, shape: string, name: string): JsonSchema {
  return (schemas[shape].properties as Record<string, JsonSchema>)[name];
}

function refsOf(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item) => refsOf(item, found));
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string') found.push(item);
      else refsOf(item, found);
    }
  }
  return found;
}

describe(contractJsonSchemas.name, () => {
  const schemas = contractJsonSchemas({ refPointerPrefix: '#/components/schemas/' });

  it('covers the records, their updates, nested shapes, published records and the envelope', () => {
    expect(Object.keys(schemas)).toEqual(
      expect.arrayContaining([
        'Alert',
        'SeizureNotice',
        'AlertUpdate',
        'SeizureNoticeUpdate',
        'Commodity',
        'SeizedCommodity',
        'Quantity',
        'MonetaryAmount',
        'Route',
        'Party',
        'ConsignmentIdentifier',
        'PublishedAlert',
        'PublishedSeizureNotice',
        'HubCloudEvent',
        'NewSubscription',
        'SubscriptionUpdate',
        'SubscriptionFilter',
        'SubscriptionDelivery',
        'PullDelivery',
        'WebhookDelivery',
      ]),
    );
  });

  it('closes every object, as the validator whitelist does', () => {
    for (const schema of Object.values(schemas).filter((candidate) => candidate.type === 'object')) {
      expect(schema.additionalProperties).toBe(false);
    }
  });

  it('refers only to schemas it defines, with the requested prefix', () => {
    for (const ref of refsOf(schemas)) {
      expect(ref.startsWith('#/components/schemas/')).toBe(true);
      expect(Object.keys(schemas)).toContain(ref.slice('#/components/schemas/'.length));
    }
  });

  it('carries the constraints of the custom validators', () => {
    expect(property(schemas, 'Commodity', 'hsCode').pattern).toEqual(expect.any(String));
    expect(new RegExp(String(property(schemas, 'Commodity', 'hsCode').pattern)).test('770000')).toBe(false);
    expect(property(schemas, 'Route', 'origin')).toEqual({ $ref: '#/components/schemas/CountryCode' });
    expect(property(schemas, 'SeizureNotice', 'seizedAt')).toMatchObject({
      type: 'string',
      format: 'date-time',
    });
    expect(property(schemas, 'Alert', 'handling').enum).toEqual([...HANDLING_CODES]);
    expect(property(schemas, 'Alert', 'title')).toMatchObject({ maxLength: 200, minLength: 1 });
    expect(property(schemas, 'Alert', 'commodities')).toMatchObject({ minItems: 1, maxItems: 100 });
    expect(property(schemas, 'MonetaryAmount', 'amount')).toMatchObject({ multipleOf: 0.0001 });
    expect(schemas.Alert.then).toEqual({
      properties: { recipients: { minItems: 1 } },
      required: ['recipients'],
    });
  });

  it('keeps reference out of updates and lets them remove optional fields with null only', () => {
    expect(schemas.AlertUpdate.properties).not.toHaveProperty('reference');
    expect(schemas.AlertUpdate.required).toBeUndefined();
    expect(property(schemas, 'AlertUpdate', 'validUntil').anyOf).toContainEqual({ type: 'null' });
    expect(property(schemas, 'AlertUpdate', 'title').anyOf).toBeUndefined();
  });

  it('describes subscriptions: filter criteria, the tagged delivery and the patch', () => {
    const prefixes = property(schemas, 'SubscriptionFilter', 'hsPrefixes');
    expect(prefixes).toMatchObject({ type: 'array', minItems: 1, maxItems: 200, uniqueItems: true });
    const prefixPattern = new RegExp(String((prefixes.items as JsonSchema).pattern));
    expect(['28', '2844', '2844100010'].every((prefix) => prefixPattern.test(prefix))).toBe(true);
    expect(['2', '77', '28441000100', '28a'].some((prefix) => prefixPattern.test(prefix))).toBe(false);
    expect(schemas.SubscriptionFilter.required).toBeUndefined();
    expect(property(schemas, 'NewSubscription', 'delivery')).toEqual({
      $ref: '#/components/schemas/SubscriptionDelivery',
    });
    expect(schemas.SubscriptionDelivery.oneOf).toEqual([
      { $ref: '#/components/schemas/PullDelivery' },
      { $ref: '#/components/schemas/WebhookDelivery' },
    ]);
    expect(property(schemas, 'PullDelivery', 'type').enum).toEqual(['pull']);
    expect(schemas.WebhookDelivery.required).toEqual(['type', 'url']);
    const url = property(schemas, 'WebhookDelivery', 'url');
    expect(url).toMatchObject({ type: 'string', format: 'uri', maxLength: 2048 });
    const urlPattern = new RegExp(String(url.pattern));
    expect(urlPattern.test('https://hooks.example/in?x=1')).toBe(true);
    for (const bad of [
      'https://u:p@hooks.example/',
      'https://hooks.example/#f',
      'ftp://x.example',
      'https://a b',
    ])
      expect(urlPattern.test(bad)).toBe(false);
    expect(schemas.SubscriptionUpdate).toMatchObject({ minProperties: 1 });
    expect(schemas.SubscriptionUpdate.required).toBeUndefined();
    expect(property(schemas, 'SubscriptionUpdate', 'filter')).toEqual({
      $ref: '#/components/schemas/SubscriptionFilter',
    });
  });

  it('uses $defs by default', () => {
    expect(property(contractJsonSchemas(), 'Route', 'origin')).toEqual({ $ref: '#/$defs/CountryCode' });
  });
});
