import { WCO_REGIONS } from '../taxonomy/wco-region.taxonomy';
import {
  canonicalTopicFor,
  organizationSource,
  recordDataSchema,
  regionalTopic,
} from './hub-event.constants';

describe('regional streams', () => {
  it('names one versioned topic per WCO region', () => {
    const topics = WCO_REGIONS.map(regionalTopic);
    expect(topics).toContain('hub.region.asia-pacific.v1');
    expect(new Set(topics).size).toBe(WCO_REGIONS.length);
    expect(topics).not.toContain(canonicalTopicFor('alert'));
  });
});

describe('event source and dataschema', () => {
  it('are absolute URLs under the hub public URL, with or without its trailing slash', () => {
    for (const base of ['https://hub.example', 'https://hub.example/']) {
      expect(organizationSource(base, 'fr-douane')).toBe('https://hub.example/organizations/fr-douane');
      expect(recordDataSchema(base, 'alert')).toBe('https://hub.example/schemas/PublishedAlert.schema.json');
      expect(recordDataSchema(base, 'seizure')).toBe(
        'https://hub.example/schemas/PublishedSeizureNotice.schema.json',
      );
    }
  });
});
