import type { FieldViolation, OrganizationKind } from '@hub/contracts';
import type { ReaderProfile } from './handling.rule';

/** The lists of a record that name its audience, as submitted or merged by a revision. */
export interface NamedAudience {
  recipients?: readonly string[];
  excludeOrganizations?: readonly string[];
  excludeCountries?: readonly string[];
}

/**
 * What a record's exclusions must not say, whatever the directory holds: the originator cannot
 * keep itself out, by code or by its own country (it always reads its record, so the list would
 * only mislead its readers), and an organization cannot be both a recipient and excluded.
 */
export function exclusionFaults(record: NamedAudience, originator: ReaderProfile): FieldViolation[] {
  const faults: FieldViolation[] = [];
  const recipients = record.recipients ?? [];
  (record.excludeOrganizations ?? []).forEach((code, index) => {
    const field = `excludeOrganizations[${index}]`;
    if (code === originator.code) faults.push({ field, reason: 'must not name the originator itself' });
    else if (recipients.includes(code))
      faults.push({ field, reason: 'must not name a recipient of the record' });
  });
  (record.excludeCountries ?? []).forEach((country, index) => {
    if (country === originator.country) {
      faults.push({
        field: `excludeCountries[${index}]`,
        reason: "must not name the originator's own country",
      });
    }
  });
  return faults;
}

/**
 * The organization codes of a record (or of a patch: only the lists it sets) must name registered
 * organizations: a code no one holds yet would hand the record, or the protection, to whoever is
 * registered under it later. The Secretariat cannot be excluded: it reads what the handling admits.
 * `registered` maps each registered code among them to its kind.
 */
export function unregisteredFaults(
  record: NamedAudience,
  registered: ReadonlyMap<string, OrganizationKind>,
): FieldViolation[] {
  const faults: FieldViolation[] = [];
  for (const list of ['recipients', 'excludeOrganizations'] as const) {
    (record[list] ?? []).forEach((code, index) => {
      const field = `${list}[${index}]`;
      const kind = registered.get(code);
      if (kind === undefined) faults.push({ field, reason: 'must name a registered organization' });
      else if (list === 'excludeOrganizations' && kind === 'secretariat')
        faults.push({ field, reason: 'must not name the WCO Secretariat' });
    });
  }
  return faults;
}

/** Every organization code the record's lists name, for one directory look-up. */
export function namedOrganizations(record: NamedAudience): string[] {
  return [...new Set([...(record.recipients ?? []), ...(record.excludeOrganizations ?? [])])];
}
