import { ProblemException } from '@hub/platform';

/**
 * The long polls an organization holds open at once in this process: past the limit, another gets
 * 429 with Retry-After (when the earliest open one must end), so one organization cannot fill the
 * gateway with waiting requests. Counted per process: behind N gateways, up to N times the limit.
 */
export class LongPollSlots {
  /** The deadline of each open long poll, by organization. */
  private readonly open = new Map<string, Set<{ until: number }>>();

  constructor(private readonly perOrganization: number) {}

  /** Takes a slot until `until` (ms); returns its release (call it once, however the poll ends). */
  take(organizationId: string, until: number, now = Date.now()): () => void {
    const held = this.open.get(organizationId) ?? new Set();
    if (held.size >= this.perOrganization) {
      const earliest = Math.min(...[...held].map((slot) => slot.until));
      const retryAfter = Math.max(1, Math.ceil((earliest - now) / 1000));
      throw new ProblemException(
        429,
        'long-poll-limit',
        'Too many long polls',
        `Your organization already holds ${this.perOrganization} long polls open on this gateway (LONG_POLLS_PER_ORGANIZATION); retry after ${retryAfter} s, or poll without wait.`,
        undefined,
        { 'retry-after': String(retryAfter) },
      );
    }
    const slot = { until };
    held.add(slot);
    this.open.set(organizationId, held);
    return () => {
      held.delete(slot);
      if (held.size === 0 && this.open.get(organizationId) === held) this.open.delete(organizationId);
    };
  }

  /** Long polls open for the organization. */
  held(organizationId: string): number {
    return this.open.get(organizationId)?.size ?? 0;
  }
}
