import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A feed is read in (tx_id, id) order, and a TAXII client expects date_added to ascend along it
 * (`added_after` resumes by it). Stamped with its transaction's start (`now()`), an entry could
 * come after one of a later time: two router batches running at once take their transaction ids
 * in another order than they started. `feed_write_stamp()` takes the transaction id and the time
 * together, one transaction at a time (a session advisory lock held for just those two), so ids and
 * stamps ascend together. Taken once per transaction (kept in a transaction-local setting): every
 * entry a transaction writes carries the same stamp. It must be taken before anything else in the
 * transaction takes an id (appendMatches and takeFeedWriteStamp do), or the id is older than the stamp.
 */
export class StampFeedEntriesInOrder1796840000000 implements MigrationInterface {
  name = 'StampFeedEntriesInOrder1796840000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION feed_write_stamp() RETURNS timestamptz LANGUAGE plpgsql VOLATILE AS $stamp$
      DECLARE
        taken text := current_setting('hub.feed_write_stamp', true);
        stamped timestamptz;
      BEGIN
        IF taken IS NOT NULL AND taken <> '' THEN
          RETURN taken::timestamptz;
        END IF;
        BEGIN
          PERFORM pg_advisory_lock(7526752851161917801);
          PERFORM pg_current_xact_id();
          stamped := clock_timestamp();
          PERFORM pg_advisory_unlock(7526752851161917801);
        EXCEPTION WHEN OTHERS OR query_canceled THEN
          -- A session lock outlives an aborted statement: never left held, or every writer waits.
          PERFORM pg_advisory_unlock(7526752851161917801);
          RAISE;
        END;
        PERFORM set_config('hub.feed_write_stamp', stamped::text, true);
        RETURN stamped;
      END
      $stamp$`);
    await queryRunner.query(
      'ALTER TABLE feed_entries ALTER COLUMN created_at SET DEFAULT feed_write_stamp()',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE feed_entries ALTER COLUMN created_at SET DEFAULT now()');
    await queryRunner.query('DROP FUNCTION feed_write_stamp()');
  }
}
