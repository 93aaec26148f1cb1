import { WCO_REGIONS } from '../taxonomy/wco-region.taxonomy';
import { REGIONAL_TOPIC_SPEC, canonicalTopicFor, regionalTopic } from './hub-event.constants';

describe('regional streams', () => {
  it('names one versioned topic per WCO region', () => {
    const topics = WCO_REGIONS.map(regionalTopic);
    expect(topics).toContain('hub.region.asia-pacific.v1');
    expect(new Set(topics).size).toBe(WCO_REGIONS.length);
    expect(topics).not.toContain(canonicalTopicFor('alert'));
  });

  it('keeps 30 days on 3 partitions', () => {
    expect(REGIONAL_TOPIC_SPEC.partitions).toBe(3);
    expect(REGIONAL_TOPIC_SPEC.retentionMs / (24 * 60 * 60 * 1000)).toBe(30);
  });
});
