import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { RecordType } from '@hub/contracts';
import { IntelligenceRecordEntity } from '../entities/intelligence-record.entity';

/** Who may see what, as data: the SQL twin of the handling rule, produced by `readScope` in @hub/matching. */
export interface AudienceFilter {
  /** null matches nothing: a reader without a valid code reads only what the others may. */
  originatorCode: string | null;
  recipientCode: string | null;
  /** Handling codes readable wherever the record's regions are. */
  handlingAnywhere: readonly string[];
  /** Regions in which `region` records are readable. */
  regionHandlingRegions: readonly string[];
  /** Unless it wrote them, records excluding this code or this country are not the reader's; null excludes by nothing. */
  excludedCode: string | null;
  excludedCountry: string | null;
  /** Operations whose 'operation' records the reader reads. */
  operations: readonly string[];
  /** Every operation's (the Secretariat). */
  allOperations: boolean;
}

export interface RecordListFilter {
  region?: string;
  category?: string;
  hsPrefix?: string;
  since?: Date;
  /** Only the records of this joint operation. */
  operation?: string;
  /** Position after which to continue: the last record of the previous page. */
  after?: { createdAt: Date; id: string };
  limit: number;
}

/**
 * Pages through records in (created_at, id) order, restricted to an audience in SQL; of one type,
 * or of both (null: an operation's records, as its report counts them).
 */
@Injectable()
export class RecordListing {
  constructor(private readonly dataSource: DataSource) {}

  async page(
    type: RecordType | null,
    audience: AudienceFilter,
    filter: RecordListFilter,
  ): Promise<IntelligenceRecordEntity[]> {
    const query = this.dataSource.getRepository(IntelligenceRecordEntity).createQueryBuilder('record');
    if (type !== null) query.where('record.type = :type', { type });
    query.andWhere(
      `(record.originator_code = :originatorCode
          OR (NOT (COALESCE(:excludedCode = ANY(record.exclude_organizations), false)
                   OR COALESCE(:excludedCountry = ANY(record.exclude_countries), false))
              AND (record.handling = ANY(:handlingAnywhere)
                OR (record.handling = 'region' AND record.regions && :regionHandlingRegions::text[])
                OR (record.handling = 'restricted' AND :recipientCode = ANY(record.recipients))
                OR (record.handling = 'operation' AND record.body ->> 'operation' IS NOT NULL
                    AND (:allOperations OR record.body ->> 'operation' = ANY(:operations::text[]))))))`,
      {
        excludedCode: audience.excludedCode,
        excludedCountry: audience.excludedCountry,
        originatorCode: audience.originatorCode,
        handlingAnywhere: [...audience.handlingAnywhere],
        regionHandlingRegions: [...audience.regionHandlingRegions],
        recipientCode: audience.recipientCode,
        operations: [...audience.operations],
        allOperations: audience.allOperations,
      },
    );
    if (filter.region) query.andWhere(':region = ANY(record.regions)', { region: filter.region });
    if (filter.category) query.andWhere(':category = ANY(record.categories)', { category: filter.category });
    if (filter.hsPrefix) {
      query.andWhere('EXISTS (SELECT 1 FROM unnest(record.hs_codes) AS code WHERE code LIKE :hsPattern)', {
        hsPattern: `${filter.hsPrefix}%`,
      });
    }
    if (filter.operation !== undefined) {
      // The expression of intelligence_records_operation_idx.
      query.andWhere("record.body ? 'operation' AND record.body ->> 'operation' = :operation", {
        operation: filter.operation,
      });
    }
    if (filter.since) query.andWhere('record.created_at >= :since', { since: filter.since });
    if (filter.after) {
      query.andWhere('(record.created_at, record.id) > (:afterCreatedAt, :afterId)', {
        afterCreatedAt: filter.after.createdAt,
        afterId: filter.after.id,
      });
    }
    return query
      .orderBy('record.createdAt', 'ASC')
      .addOrderBy('record.id', 'ASC')
      .limit(filter.limit)
      .getMany();
  }

  /**
   * Every record filed under an operation, current versions, whoever may read them: the report
   * splits them by the handling rule itself, because the Secretariat's report counts the ones it
   * may not read (as withheld, with no detail).
   */
  async ofOperation(code: string): Promise<IntelligenceRecordEntity[]> {
    return (
      this.dataSource
        .getRepository(IntelligenceRecordEntity)
        .createQueryBuilder('record')
        // The expression of intelligence_records_operation_idx.
        .where("record.body ? 'operation' AND record.body ->> 'operation' = :operation", { operation: code })
        .orderBy('record.createdAt', 'ASC')
        .addOrderBy('record.id', 'ASC')
        .getMany()
    );
  }
}
