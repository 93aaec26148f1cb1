import { Alert } from './alert.record';
import { derivePatchClass } from './derived-class.factory';
import { FIELD_CONSTRAINTS } from '../validation/field.validators';
import { SeizureNotice } from './seizure-notice.record';

/**
 * A PATCH body: any top-level field of the record except `reference`, which names the record for
 * its whole life, and `operation`, which is fixed with it. Top-level fields replace the stored ones; null removes an optional field. The
 * handling/recipients rule is checked on the merged record (mergeRecordPatch), not on the patch.
 */
export type RecordPatch<T> = {
  [K in Exclude<keyof T, 'reference' | 'operation'>]?: T[K] | (undefined extends T[K] ? null : never);
};

export type AlertUpdate = RecordPatch<Alert>;
export const AlertUpdate = derivePatchClass<AlertUpdate>('AlertUpdate', {
  from: Alert,
  omit: ['reference', 'operation'],
  dropConstraints: [FIELD_CONSTRAINTS.recipientsFitHandling],
});

export type SeizureNoticeUpdate = RecordPatch<SeizureNotice>;
export const SeizureNoticeUpdate = derivePatchClass<SeizureNoticeUpdate>('SeizureNoticeUpdate', {
  from: SeizureNotice,
  omit: ['reference', 'operation'],
  dropConstraints: [FIELD_CONSTRAINTS.recipientsFitHandling],
});
