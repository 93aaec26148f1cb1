import { organizationSource, recordDataSchema } from './hub-event.constants';

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
