import { randomUUID } from 'node:crypto';
import { sampleAlert, sampleSeizure } from './support/fixtures';
import { startHub, type TestHub } from './support/hub-context';
import {
  expectEventually,
  registerOrganization,
  startRelay,
  type TestOrganization,
  withDatabase,
} from './support/hub-harness';

interface FeedbackEntry {
  id: string;
  alert: string;
  organization: string;
  type: string;
  seizure?: string;
  automatic: boolean;
}

interface FeedEvent {
  id: string;
  type: string;
  subject: string;
  source: string;
  data: Record<string, unknown>;
}

const RELAY_ENV = { ESCALATION_SCAN_INTERVAL_MS: '100' };

describe('the feedback loop: addressees, acknowledgements, hits and escalation to the RILO', () => {
  let hub: TestHub;
  let fr: TestOrganization;
  let de: TestOrganization;
  let ae: TestOrganization;
  let cn: TestOrganization;
  let jp: TestOrganization;
  let rilo: TestOrganization;
  let secretariat: TestOrganization;
  let partner: TestOrganization;

  const suffix = randomUUID().slice(0, 6);
  const register = (
    kind: TestOrganization['kind'],
    code: string,
    profile: { country?: string; region?: string },
  ) => registerOrganization(hub.url, { kind, code: `${code}-${suffix}`, ...profile });

  /** The route CN -> AE -> DE from France; restricted to the test's own organizations, so that the
   * members other files registered in these countries are not addressees. */
  const routeAlert = (overrides: Record<string, unknown> = {}) =>
    sampleAlert({
      handling: 'restricted',
      recipients: [de.code, ae.code, cn.code, jp.code, rilo.code, secretariat.code],
      ...overrides,
    });

  const feed = async (owner: TestOrganization, subscription: string, wait = 0): Promise<FeedEvent[]> => {
    const page = await hub.api<{ events: FeedEvent[] }>(
      'GET',
      `/v1/subscriptions/${subscription}/events?limit=200${wait ? `&wait=${wait}` : ''}`,
      { key: owner.apiKey },
    );
    expect(page.status).toBe(200);
    return page.body.events;
  };

  const inbox = async (owner: TestOrganization, status = 'all') => {
    const page = await hub.api<{ items: { alert: { id: string }; acknowledged: boolean }[] }>(
      'GET',
      `/v1/inbox?status=${status}`,
      { key: owner.apiKey },
    );
    expect(page.status).toBe(200);
    return page.body.items;
  };

  const acknowledge = async (owner: TestOrganization, alertId: string, type = 'received') => {
    const answer = await hub.api<FeedbackEntry>('POST', `/v1/alerts/${alertId}/feedback`, {
      key: owner.apiKey,
      body: { type },
    });
    expect(answer.status).toBe(201);
    return answer.body;
  };

  beforeAll(async () => {
    hub = await startHub({ services: ['relay'], env: { relay: RELAY_ENV } });
    fr = await register('member', 'fr-customs', { country: 'FR' });
    de = await register('member', 'de-customs', { country: 'DE' });
    ae = await register('member', 'ae-customs', { country: 'AE' });
    cn = await register('member', 'cn-customs', { country: 'CN' });
    jp = await register('member', 'jp-customs', { country: 'JP' });
    rilo = await register('rilo', 'rilo-me', { region: 'mena' });
    secretariat = await register('secretariat', 'wco', {});
    partner = await register('partner', 'interpol', {});
  });

  afterAll(() => hub?.close());

  describe('inbox, feedback and hits', () => {
    let alertId: string;
    let feedbackFeed: string;

    beforeAll(async () => {
      feedbackFeed = (await hub.subscribe(fr, { filter: { types: ['feedback'] } })).id;
      alertId = (await hub.submit(fr, 'alert', routeAlert())).id;
    });

    it('puts the alert in the inbox of the members on the route, not of a member elsewhere who may read it', async () => {
      for (const member of [de, ae, cn]) {
        const items = await inbox(member, 'unacknowledged');
        expect(items.map((item) => item.alert.id)).toContain(alertId);
      }
      expect((await inbox(jp)).map((item) => item.alert.id)).not.toContain(alertId);
      expect((await hub.api('GET', `/v1/alerts/${alertId}`, { key: jp.apiKey })).status).toBe(200);
      expect((await inbox(fr)).map((item) => item.alert.id)).not.toContain(alertId);
    });

    it('acknowledges by feedback, idempotently per organization, type and seizure', async () => {
      const first = await acknowledge(de, alertId);
      const again = await hub.api<FeedbackEntry>('POST', `/v1/alerts/${alertId}/feedback`, {
        key: de.apiKey,
        body: { type: 'received' },
      });
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(first.id);
      expect((await inbox(de, 'acknowledged')).map((item) => item.alert.id)).toContain(alertId);
      expect((await inbox(de, 'unacknowledged')).map((item) => item.alert.id)).not.toContain(alertId);
      expect((await inbox(ae, 'unacknowledged')).map((item) => item.alert.id)).toContain(alertId);
    });

    it('turns a seizure naming the alert into a hit, seen with codes by the originator and as counts by others', async () => {
      const seizure = await hub.submit(
        de,
        'seizure',
        sampleSeizure({ country: 'DE', relatedAlerts: [alertId], handling: 'members' }),
      );
      const forOriginator = await hub.api<{
        view: string;
        entries: FeedbackEntry[];
        counts: Record<string, number>;
        measures: { addressees: number; acknowledged: number; secondsToFirstAcknowledgement: number | null };
      }>('GET', `/v1/alerts/${alertId}/feedback`, { key: fr.apiKey });
      expect(forOriginator.status).toBe(200);
      expect(forOriginator.body.view).toBe('all');
      expect(forOriginator.body.entries).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            organization: de.code,
            type: 'hit',
            seizure: seizure.id,
            automatic: true,
          }),
          expect.objectContaining({ organization: de.code, type: 'received', automatic: false }),
        ]),
      );
      expect(forOriginator.body.measures).toMatchObject({ addressees: 3, acknowledged: 1 });
      expect(forOriginator.body.measures.secondsToFirstAcknowledgement).toEqual(expect.any(Number));

      const forCn = await hub.api<{ view: string; entries: FeedbackEntry[]; counts: Record<string, number> }>(
        'GET',
        `/v1/alerts/${alertId}/feedback`,
        { key: cn.apiKey },
      );
      expect(forCn.body).toMatchObject({ view: 'own', entries: [] });
      expect(forCn.body.counts).toMatchObject({ hit: 1, received: 1, 'checked-no-find': 0 });
      expect(forCn.body).not.toHaveProperty('measures');

      const forSecretariat = await hub.api<{ view: string; entries: FeedbackEntry[] }>(
        'GET',
        `/v1/alerts/${alertId}/feedback`,
        { key: secretariat.apiKey },
      );
      expect(forSecretariat.body.view).toBe('all');
      expect(forSecretariat.body.entries).toHaveLength(2);

      // Once per seizure: the same hit given by hand is the automatic one.
      const byHand = await hub.api<FeedbackEntry>('POST', `/v1/alerts/${alertId}/feedback`, {
        key: de.apiKey,
        body: { type: 'hit', seizure: seizure.id },
      });
      expect(byHand.status).toBe(200);
      expect(byHand.body).toMatchObject({ automatic: true, seizure: seizure.id });
    });

    it("delivers alert.feedback to the originator's feed of type feedback within 5 s", async () => {
      const started = Date.now();
      let events: FeedEvent[] = [];
      await expectEventually(async () => {
        events = await feed(fr, feedbackFeed, 1);
        expect(events.filter((event) => event.subject === alertId)).toHaveLength(2);
      }, 5_000);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(events.every((event) => event.type === 'alert.feedback')).toBe(true);
      expect(events.map((event) => event.data.type).sort()).toEqual(['hit', 'received']);
      expect(events.map((event) => event.data.organization)).toEqual([de.code, de.code]);
    });

    it('answers 404 to an organization that may not read the alert, and 400 naming each bad field', async () => {
      const hidden = await hub.api('POST', `/v1/alerts/${alertId}/feedback`, {
        key: partner.apiKey,
        body: { type: 'received' },
      });
      expect(hidden.status).toBe(404);
      expect((await hub.api('GET', `/v1/alerts/${alertId}/feedback`, { key: partner.apiKey })).status).toBe(
        404,
      );

      const bad = await hub.api<{ errors: { field: string }[] }>('POST', `/v1/alerts/${alertId}/feedback`, {
        key: ae.apiKey,
        body: { type: 'seen', comment: 7, observedAt: 'yesterday', extra: true },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((error) => error.field).sort()).toEqual([
        'comment',
        'extra',
        'observedAt',
        'type',
      ]);

      const foreignSeizure = await hub.api<{ errors: { field: string }[] }>(
        'POST',
        `/v1/alerts/${alertId}/feedback`,
        { key: ae.apiKey, body: { type: 'hit', seizure: randomUUID() } },
      );
      expect(foreignSeizure.status).toBe(400);
      expect(foreignSeizure.body.errors.map((error) => error.field)).toEqual(['seizure']);
      // Nothing was written: AE is still silent.
      expect((await inbox(ae, 'unacknowledged')).map((item) => item.alert.id)).toContain(alertId);
    });

    it('follows a revision: a member taken off the route leaves the inbox, one added enters it', async () => {
      const revised = await hub.api('PATCH', `/v1/alerts/${alertId}`, {
        key: fr.apiKey,
        body: { route: { origin: 'JP', transit: ['AE'], destination: 'DE' } },
      });
      expect(revised.status).toBe(200);
      expect((await inbox(jp)).map((item) => item.alert.id)).toContain(alertId);
      expect((await inbox(cn)).map((item) => item.alert.id)).not.toContain(alertId);
      // DE's acknowledgement stays.
      expect((await inbox(de, 'acknowledged')).map((item) => item.alert.id)).toContain(alertId);
    });
  });

  describe('escalation', () => {
    const escalationEvents = async (owner: TestOrganization, subscription: string, alertId: string) =>
      (await feed(owner, subscription)).filter(
        (event) => event.type === 'alert.unacknowledged' && event.subject === alertId,
      );

    const escalationRow = (alertId: string) =>
      withDatabase(async (client) => {
        const result = await client.query<{ event_id: string | null; silent_addressees: string[] }>(
          'SELECT event_id, silent_addressees FROM alert_escalations WHERE alert_id = $1',
          [alertId],
        );
        return result.rows;
      });

    it('tells the originator and the RILO of the silent addressee once, also across a restart of the scanner', async () => {
      const frFeed = (await hub.subscribe(fr, { filter: { types: ['escalation'] } })).id;
      const riloFeed = (await hub.subscribe(rilo, { filter: { types: ['escalation'] } })).id;
      const alertId = (await hub.submit(fr, 'alert', routeAlert({ acknowledgeWithin: 'PT4S' }))).id;
      await acknowledge(de, alertId);
      await acknowledge(cn, alertId, 'checked-no-find');

      await expectEventually(async () => {
        expect(await escalationEvents(fr, frFeed, alertId)).toHaveLength(1);
        expect(await escalationEvents(rilo, riloFeed, alertId)).toHaveLength(1);
      }, 20_000);
      const [event] = await escalationEvents(rilo, riloFeed, alertId);
      expect(event.data).toMatchObject({
        alert: alertId,
        originator: fr.code,
        silentAddressees: [ae.code],
        addressees: 3,
        acknowledged: 2,
        acknowledgeWithin: 'PT4S',
      });

      const view = await hub.api<{ items: { alert: string }[] }>('GET', '/v1/escalations', {
        key: rilo.apiKey,
      });
      expect(view.status).toBe(200);
      expect(view.body.items.map((item) => item.alert)).toContain(alertId);
      const forJapan = await hub.api<{ items: { alert: string }[] }>('GET', '/v1/escalations', {
        key: jp.apiKey,
      });
      expect(forJapan.body.items.map((item) => item.alert)).not.toContain(alertId);

      // Restart the scanning service; a later alert escalated by the new instance proves it scanned past the first.
      await hub.relay?.close();
      hub.relay = await startRelay(RELAY_ENV);
      const later = (await hub.submit(fr, 'alert', routeAlert({ acknowledgeWithin: 'PT1S' }))).id;
      await expectEventually(async () => {
        expect(await escalationEvents(fr, frFeed, later)).toHaveLength(1);
      }, 20_000);
      expect(await escalationEvents(fr, frFeed, alertId)).toHaveLength(1);
      expect(await escalationEvents(rilo, riloFeed, alertId)).toHaveLength(1);
      expect(await escalationRow(alertId)).toEqual([
        expect.objectContaining({ silent_addressees: [ae.code] }),
      ]);
    });

    it('emits nothing when every addressee acknowledged', async () => {
      const frFeed = (await hub.subscribe(fr, { filter: { types: ['escalation'] } })).id;
      const alertId = (await hub.submit(fr, 'alert', routeAlert({ acknowledgeWithin: 'PT3S' }))).id;
      for (const member of [de, ae, cn]) await acknowledge(member, alertId);
      await expectEventually(async () => {
        expect(await escalationRow(alertId)).toHaveLength(1);
      }, 20_000);
      expect(await escalationRow(alertId)).toEqual([expect.objectContaining({ event_id: null })]);
      expect(await escalationEvents(fr, frFeed, alertId)).toHaveLength(0);
    });
  });
});
