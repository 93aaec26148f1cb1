import { examplePublishedAlert, type PublishedAlert } from '@hub/contracts';
import {
  alertAddressees,
  alertRouteOf,
  escalationDecision,
  feedbackView,
  noticeFilterAccepts,
} from './feedback.rule';
import type { ReaderProfile } from './handling.rule';

describe('the feedback rules', () => {
  const alert: PublishedAlert = {
    ...examplePublishedAlert(),
    originator: 'fr-customs',
    handling: 'members',
    recipients: [],
    excludeOrganizations: [],
    excludeCountries: [],
    regions: ['asia-pacific', 'europe', 'mena'],
    countries: ['AE', 'CN', 'DE', 'FR'],
    severity: 'critical',
  };
  const member = (code: string, country: string): ReaderProfile => ({ code, kind: 'member', country });
  const de = member('de-customs', 'DE');
  const ae = member('ae-customs', 'AE');
  const cn = member('cn-customs', 'CN');
  const jp = member('jp-customs', 'JP');
  const fr = member('fr-customs', 'FR');

  describe(alertAddressees.name, () => {
    it('addresses the members of the countries concerned, not the originator nor others', () => {
      expect(alertAddressees(alertRouteOf(alert), [de, ae, cn, jp, fr]).map((reader) => reader.code)).toEqual(
        ['de-customs', 'ae-customs', 'cn-customs'],
      );
    });

    it('leaves out a member on the route that may not read the alert', () => {
      const restricted = { ...alert, handling: 'restricted' as const, recipients: ['de-customs'] };
      expect(alertAddressees(alertRouteOf(restricted), [de, ae, cn]).map((reader) => reader.code)).toEqual([
        'de-customs',
      ]);
      const excluded = { ...alert, excludeCountries: ['AE'] };
      expect(alertAddressees(alertRouteOf(excluded), [de, ae]).map((reader) => reader.code)).toEqual([
        'de-customs',
      ]);
    });

    it('never addresses a RILO or a partner', () => {
      const rilo: ReaderProfile = { code: 'rilo-me', kind: 'rilo', region: 'mena' };
      expect(
        alertAddressees(alertRouteOf(alert), [rilo, { code: 'interpol', kind: 'partner', country: 'FR' }]),
      ).toEqual([]);
    });
  });

  describe(noticeFilterAccepts.name, () => {
    it('takes a notice only when types names its kind, then judges the rest on the alert', () => {
      expect(noticeFilterAccepts({ types: ['feedback'] }, 'feedback', alert)).toBe(true);
      expect(noticeFilterAccepts({ types: ['alert'] }, 'feedback', alert)).toBe(false);
      expect(noticeFilterAccepts({}, 'feedback', alert)).toBe(false);
      expect(noticeFilterAccepts({ types: ['feedback'] }, 'escalation', alert)).toBe(false);
      expect(noticeFilterAccepts({ types: ['escalation'], regions: ['mena'] }, 'escalation', alert)).toBe(
        true,
      );
      expect(noticeFilterAccepts({ types: ['escalation'], regions: ['americas'] }, 'escalation', alert)).toBe(
        false,
      );
    });
  });

  describe(feedbackView.name, () => {
    it('shows everything to the originator and the Secretariat, own entries to others', () => {
      expect(feedbackView(fr, alert)).toBe('all');
      expect(feedbackView({ code: 'wco', kind: 'secretariat' }, alert)).toBe('all');
      expect(feedbackView(cn, alert)).toBe('own');
    });
  });

  describe(escalationDecision.name, () => {
    const rilos: ReaderProfile[] = [
      { code: 'rilo-me', kind: 'rilo', region: 'mena' },
      { code: 'rilo-ap', kind: 'rilo', region: 'asia-pacific' },
      { code: 'rilo-we', kind: 'rilo', region: 'europe' },
    ];

    it('names the silent addressees and the RILOs of their regions', () => {
      const decision = escalationDecision({
        alert,
        addressees: [
          { code: 'de-customs', country: 'DE', acknowledged: true },
          { code: 'ae-customs', country: 'AE', acknowledged: false },
          { code: 'cn-customs', country: 'CN', acknowledged: true },
        ],
        rilos,
      });
      expect(decision).toEqual({ silent: ['ae-customs'], rilos: ['rilo-me'] });
    });

    it('escalates nothing when every addressee acknowledged', () => {
      expect(
        escalationDecision({
          alert,
          addressees: [{ code: 'ae-customs', country: 'AE', acknowledged: true }],
          rilos,
        }),
      ).toBeNull();
    });

    it('does not tell a RILO of an alert it may not read', () => {
      const restricted = { ...alert, handling: 'restricted' as const, recipients: ['ae-customs'] };
      expect(
        escalationDecision({
          alert: restricted,
          addressees: [{ code: 'ae-customs', country: 'AE', acknowledged: false }],
          rilos,
        }),
      ).toEqual({ silent: ['ae-customs'], rilos: [] });
    });
  });
});
