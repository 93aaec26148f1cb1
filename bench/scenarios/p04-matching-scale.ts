import { buildIndex, indexRate, type MatchingRate } from '../support/matching-workload';
import { repeat, type Scenario, summarize } from '../support/scenario';
import { eventFactsSample, matchedPopulations } from '../support/subscription-population';

export const SCALE_SUBSCRIPTIONS = 100_000;
const BASELINE_SUBSCRIPTIONS = 1_000;

export const matchingScale: Scenario = {
  id: 'P4',
  title: 'Matching scale',
  method:
    `The router’s SubscriptionIndex (libs/matching) matches 20,000 events (5,000 in --quick), each judged by the ` +
    'filter and the handling rule; only `match` is timed. Baseline: ' +
    `${BASELINE_SUBSCRIPTIONS.toLocaleString('en-US')} subscriptions (2 % broad feeds on a region or a category, the rest ` +
    'watch lists from bench/support/subscription-population.ts: HS subheadings, national lines or headings with the countries ' +
    'watched; owners drawn from the real WCO members, RILOs and partners). Figure: the same subscriptions plus watch lists ' +
    `from the same generator that none of the events concerns, ${SCALE_SUBSCRIPTIONS.toLocaleString('en-US')} in all, so that ` +
    'both produce the same matches per event and the ratio prices only the subscriptions an event does not concern. In ' +
    'process, alternating.',
  async run(context) {
    const events = eventFactsSample(context.quick ? 5000 : 20_000);
    const populations = matchedPopulations(BASELINE_SUBSCRIPTIONS, SCALE_SUBSCRIPTIONS, events);
    const large = buildIndex(populations.scaled);
    const small = buildIndex(populations.base);
    indexRate(large, events.slice(0, 2000));
    indexRate(small, events.slice(0, 2000));
    let largeRate: MatchingRate | null = null;
    let smallRate: MatchingRate | null = null;
    const runs = await repeat(
      context,
      `${SCALE_SUBSCRIPTIONS} vs ${BASELINE_SUBSCRIPTIONS} subscriptions`,
      () => {
        largeRate = indexRate(large, events);
        smallRate = indexRate(small, events);
        return Promise.resolve({
          figure: largeRate.eventsPerSecond,
          baseline: smallRate.eventsPerSecond,
          detail: { large: largeRate, small: smallRate },
        });
      },
      (figures) => `${Math.round(figures.figure)} vs ${Math.round(figures.baseline ?? 0)} events/s`,
    );
    const describe = (rate: MatchingRate | null, size: number) =>
      rate
        ? `${size.toLocaleString('en-US')}: ${rate.matchesPerEvent.toFixed(1)} matches, ${rate.candidatesPerEvent.toFixed(0)} candidates per event`
        : '';
    return [
      summarize(
        {
          id: 'P4',
          what: `Matching: events matched per second at ${SCALE_SUBSCRIPTIONS.toLocaleString('en-US')} subscriptions`,
          unit: 'events/s',
          baselineLabel: `the same matcher at ${BASELINE_SUBSCRIPTIONS.toLocaleString('en-US')}`,
          targets: [{ kind: 'ratio-at-least', value: 0.5 }],
        },
        runs,
        `${describe(largeRate, SCALE_SUBSCRIPTIONS)}; ${describe(smallRate, BASELINE_SUBSCRIPTIONS)}`,
      ),
    ];
  },
};
