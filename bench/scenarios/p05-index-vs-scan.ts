import { buildIndex, indexRate, scanMatch, scanRate } from '../support/matching-workload';
import { repeat, type Scenario, summarize } from '../support/scenario';
import { eventFactsSample, subscriptionPopulation } from '../support/subscription-population';
import { SCALE_SUBSCRIPTIONS } from './p04-matching-scale';

export const indexVersusScan: Scenario = {
  id: 'P5',
  title: 'Index against scan',
  method:
    `The same ${SCALE_SUBSCRIPTIONS.toLocaleString('en-US')} subscriptions and events as P4. The index matches ` +
    '20,000 events (5,000 in --quick); the baseline checks every subscription’s filter and subscriber for each of ' +
    '300 of them (100 in --quick), with the same filterAccepts and mayRead. Before timing, the index’s answer is ' +
    'checked against the scan’s for 200 events: a fast wrong answer fails the row.',
  async run(context) {
    const subscriptions = subscriptionPopulation(SCALE_SUBSCRIPTIONS);
    const index = buildIndex(subscriptions);
    const events = eventFactsSample(context.quick ? 5000 : 20_000);
    const scanned = events.slice(0, context.quick ? 100 : 300);
    const agrees = events.slice(0, 200).every((facts) => {
      const expected = scanMatch(subscriptions, facts).sort();
      const actual = index.match(facts).sort();
      return expected.length === actual.length && expected.every((id, position) => id === actual[position]);
    });
    const runs = await repeat(
      context,
      'index vs scan',
      () =>
        Promise.resolve({
          figure: indexRate(index, events).eventsPerSecond,
          baseline: scanRate(subscriptions, scanned),
          holds: agrees,
        }),
      (figures) => `index ${Math.round(figures.figure)}, scan ${Math.round(figures.baseline ?? 0)} events/s`,
    );
    return [
      summarize(
        {
          id: 'P5',
          what: `Index against a linear scan, ${SCALE_SUBSCRIPTIONS.toLocaleString('en-US')} subscriptions`,
          unit: 'events/s',
          baselineLabel: 'linear scan over the same subscriptions',
          targets: [
            { kind: 'ratio-at-least', value: 50 },
            { kind: 'holds', description: 'same matches as the scan' },
          ],
        },
        runs,
        agrees ? 'index and scan agree on 200 events' : 'INDEX AND SCAN DISAGREE',
      ),
    ];
  },
};
