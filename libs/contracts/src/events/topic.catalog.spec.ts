import { WCO_REGIONS } from '../taxonomy/wco-region.taxonomy';
import {
  canonicalTopicFor,
  DEAD_LETTER_TOPICS,
  REGIONAL_TOPIC_SPEC,
  OPERATIONS_TOPIC,
  TOPICS,
  publishedTopics,
  regionalTopic,
  topicsWrittenBy,
} from './topic.catalog';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('regional streams', () => {
  it('names one versioned topic per WCO region', () => {
    const topics = WCO_REGIONS.map(regionalTopic);
    expect(topics).toContain('hub.region.asia-pacific.v1');
    expect(new Set(topics).size).toBe(WCO_REGIONS.length);
    expect(topics).not.toContain(canonicalTopicFor('alert'));
  });
});

describe('topic catalog', () => {
  it('lists every topic the hub names exactly once', () => {
    const listed = publishedTopics().map((topic) => topic.topic);
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual(
      [
        ...Object.values(TOPICS),
        OPERATIONS_TOPIC,
        ...WCO_REGIONS.map(regionalTopic),
        ...Object.values(DEAD_LETTER_TOPICS),
      ].sort(),
    );
  });

  it('keeps the regional streams 30 days on 3 partitions', () => {
    expect(REGIONAL_TOPIC_SPEC.partitions).toBe(3);
    expect(REGIONAL_TOPIC_SPEC.retentionMs / DAY_MS).toBe(30);
  });

  it('gives each service the topics it creates, with their specs', () => {
    expect(topicsWrittenBy('relay')).toEqual([
      { topic: TOPICS.alerts, partitions: 6, retentionMs: -1 },
      { topic: TOPICS.seizures, partitions: 6, retentionMs: -1 },
      { topic: OPERATIONS_TOPIC, partitions: 1, retentionMs: -1 },
    ]);
    expect(topicsWrittenBy('router')).toEqual([
      ...WCO_REGIONS.map((region) => ({
        topic: regionalTopic(region),
        partitions: 3,
        retentionMs: 30 * DAY_MS,
      })),
      { topic: DEAD_LETTER_TOPICS.router, partitions: 1, retentionMs: 30 * DAY_MS },
    ]);
    expect(topicsWrittenBy('notifier')).toEqual([
      { topic: DEAD_LETTER_TOPICS.deliveries, partitions: 3, retentionMs: 30 * DAY_MS },
    ]);
  });
});
