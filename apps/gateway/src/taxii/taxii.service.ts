import { Inject, Injectable } from '@nestjs/common';
import {
  acceptsTaxii,
  manifestRecord,
  matchesTaxiiFilter,
  parseTaxiiQuery,
  readTaxiiPage,
  stixBundleOf,
  TAXII_MEDIA_TYPE,
  taxiiApiRoot,
  taxiiCollection,
  taxiiDiscovery,
  type StixObject,
  type TaxiiApiRoot,
  type TaxiiCollection,
  type TaxiiDiscovery,
  type TaxiiEntry,
  type TaxiiItem,
  type TaxiiManifestRecord,
  type TaxiiQuery,
} from '@hub/interop';
import { isNoticeEvent, isRecallEvent } from '@hub/contracts';
import { mayStillRead } from '@hub/matching';
import {
  AuditTrail,
  FeedStore,
  type FeedPosition,
  type SubscriptionRow,
  SubscriptionStore,
} from '@hub/persistence';
import { ProblemException, problemField } from '@hub/platform';
import { organizationActor, requestTrace } from '../audit/audit-actor';
import type { CallerOrganization } from '../auth/caller';
import { GatewayConfig } from '../gateway.config';
import { decodeTaxiiCursor, encodeTaxiiCursor } from './taxii-cursor';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What the objects and manifest endpoints answer: the body, and the TAXII date headers. */
export interface TaxiiAnswer<T> {
  body: T;
  dateAddedFirst?: string;
  dateAddedLast?: string;
}

export interface TaxiiEnvelope {
  more: boolean;
  next?: string;
  objects?: StixObject[];
}

export interface TaxiiManifest {
  more: boolean;
  next?: string;
  objects?: TaxiiManifestRecord[];
}

/**
 * TAXII 2.1, read only: one API root, whose collections are the caller's own subscriptions and
 * hold the STIX objects of the record versions each one matched. Pages come from the pull feed's
 * gap-free read, and each entry is checked against the handling rule again, as the feed does.
 */
@Injectable()
export class TaxiiService {
  constructor(
    private readonly subscriptions: SubscriptionStore,
    private readonly feeds: FeedStore,
    private readonly trail: AuditTrail,
    @Inject(GatewayConfig) private readonly config: GatewayConfig,
  ) {}

  /** TAXII answers its own media type only; 406 before anything is read. */
  negotiate(accept: string | undefined): void {
    if (!acceptsTaxii(accept)) {
      throw new ProblemException(
        406,
        'not-acceptable',
        'Not acceptable',
        `TAXII answers ${TAXII_MEDIA_TYPE}.`,
      );
    }
  }

  discovery(apiRootUrl: string): TaxiiDiscovery {
    return taxiiDiscovery(apiRootUrl);
  }

  apiRoot(): TaxiiApiRoot {
    return taxiiApiRoot(this.config.BODY_LIMIT_BYTES);
  }

  async collections(caller: CallerOrganization): Promise<{ collections?: TaxiiCollection[] }> {
    const owned = await this.subscriptions.listOwned(caller.id);
    // TAXII leaves `collections` out when there are none.
    return owned.length > 0 ? { collections: owned.map(taxiiCollection) } : {};
  }

  async collection(caller: CallerOrganization, id: string): Promise<TaxiiCollection> {
    return taxiiCollection(await this.owned(caller, id));
  }

  async objects(
    caller: CallerOrganization,
    id: string,
    rawQuery: Record<string, unknown>,
  ): Promise<TaxiiAnswer<TaxiiEnvelope>> {
    const { more, next, items } = await this.page(caller, id, rawQuery, 'objects');
    return this.answer(items, {
      more,
      ...next,
      ...(items.length > 0 ? { objects: items.map((item) => item.object) } : {}),
    });
  }

  async manifest(
    caller: CallerOrganization,
    id: string,
    rawQuery: Record<string, unknown>,
  ): Promise<TaxiiAnswer<TaxiiManifest>> {
    const { more, next, items } = await this.page(caller, id, rawQuery, 'manifest');
    return this.answer(items, {
      more,
      ...next,
      ...(items.length > 0 ? { objects: items.map(manifestRecord) } : {}),
    });
  }

  private answer<T>(items: readonly TaxiiItem[], body: T): TaxiiAnswer<T> {
    if (items.length === 0) return { body };
    return { body, dateAddedFirst: items[0].dateAdded, dateAddedLast: items[items.length - 1].dateAdded };
  }

  private async page(
    caller: CallerOrganization,
    id: string,
    rawQuery: Record<string, unknown>,
    endpoint: 'objects' | 'manifest',
  ): Promise<{ more: boolean; next: { next?: string }; items: TaxiiItem<FeedPosition>[] }> {
    const subscription = await this.owned(caller, id);
    const query = this.query(rawQuery);
    const cursor = query.next === null ? null : decodeTaxiiCursor(query.next);
    if (query.next !== null && !cursor) {
      throw ProblemException.invalidRequest([problemField('next', 'is not a token this server issued')]);
    }
    // A `next` carries the added_after it was issued for, so the pages of one walk agree.
    const addedAfter = cursor ? cursor.addedAfter : query.addedAfter;
    const readable = new Map<string, { recordId: string; eventId: string }>();
    const read = async (after: FeedPosition | null, count: number): Promise<TaxiiEntry<FeedPosition>[]> => {
      const entries = await this.feeds.read(subscription.id, after, count, addedAfter);
      return entries.map((entry) => {
        // A recall or a notice has no STIX rendering: its entry is served empty, as one the reader lost is.
        const record = isRecallEvent(entry.event) || isNoticeEvent(entry.event) ? null : entry.event.data;
        const visible = record !== null && mayStillRead(caller, record, entry.current);
        if (visible)
          readable.set(`${entry.position.txId}:${entry.position.id}`, {
            recordId: record.id,
            eventId: entry.eventId,
          });
        return {
          position: entry.position,
          dateAdded: entry.addedAt,
          objects:
            visible && record
              ? stixBundleOf(record).objects.filter((object) => matchesTaxiiFilter(object, query.match))
              : [],
        };
      });
    };
    const page = await readTaxiiPage(read, cursor?.position ?? { after: null, skip: 0 }, query.limit);
    const served = [...new Set(page.items.map((item) => `${item.position.txId}:${item.position.id}`))].map(
      (key) => readable.get(key)!,
    );
    if (served.length > 0) {
      // Fail closed: the page goes out only once its read is in the audit trail.
      await this.trail.append([
        {
          action: 'feed.read',
          actor: organizationActor(caller),
          ...requestTrace(caller),
          resourceType: 'subscription',
          resourceId: subscription.id,
          recordIds: served.map((entry) => entry.recordId),
          eventIds: served.map((entry) => entry.eventId),
          detail: { via: 'taxii', endpoint },
        },
      ]);
    }
    return {
      more: page.next !== null,
      next: page.next ? { next: encodeTaxiiCursor({ position: page.next, addedAfter }) } : {},
      items: page.items,
    };
  }

  private query(raw: Record<string, unknown>): TaxiiQuery {
    const { query, faults } = parseTaxiiQuery(raw);
    if (!query)
      throw ProblemException.invalidRequest(
        faults.map((fault) => problemField(fault.parameter, fault.reason)),
      );
    return query;
  }

  /** Another organization's subscription, like one that does not exist, is no collection: 404. */
  private async owned(caller: CallerOrganization, id: string): Promise<SubscriptionRow> {
    const row = UUID.test(id) ? await this.subscriptions.findOwned(caller.id, id) : null;
    if (!row) throw ProblemException.notFound('No such collection.');
    return row;
  }
}
