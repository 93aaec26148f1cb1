import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateSubscriptionsFeedsAndDeliveries1796001613255 implements MigrationInterface {
  name = 'CreateSubscriptionsFeedsAndDeliveries1796001613255';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Routers catch up on subscription changes with one query per batch of events: every change stamps
    // the row with its transaction id (read, like the outbox, against the oldest running transaction, so a
    // change that commits late is never missed) and the next revision (the order to apply changes in).
    await queryRunner.query('CREATE SEQUENCE subscription_revision_seq');
    await queryRunner.query(`
      CREATE TABLE subscriptions (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations (id),
        organization_code varchar(40) NOT NULL,
        name varchar(100) NOT NULL,
        filter jsonb NOT NULL,
        delivery_type varchar(16) NOT NULL CHECK (delivery_type IN ('pull', 'webhook')),
        webhook_url varchar(2048),
        secret_ciphertext text,
        status varchar(16) NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'deleted')),
        paused_reason text,
        consecutive_failures int NOT NULL DEFAULT 0,
        revision bigint NOT NULL DEFAULT nextval('subscription_revision_seq'),
        changed_tx xid8 NOT NULL DEFAULT pg_current_xact_id(),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (delivery_type <> 'webhook' OR (webhook_url IS NOT NULL AND secret_ciphertext IS NOT NULL))
      )`);
    await queryRunner.query('CREATE INDEX subscriptions_organization_idx ON subscriptions (organization_id)');
    await queryRunner.query('CREATE INDEX subscriptions_changed_idx ON subscriptions (changed_tx)');
    // Stamped by a trigger so that no writer can forget it.
    await queryRunner.query(`
      CREATE FUNCTION subscriptions_stamp_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.revision := nextval('subscription_revision_seq');
        NEW.changed_tx := pg_current_xact_id();
        NEW.updated_at := now();
        RETURN NEW;
      END $$`);
    await queryRunner.query(
      'CREATE TRIGGER subscriptions_stamp_change BEFORE UPDATE ON subscriptions FOR EACH ROW EXECUTE FUNCTION subscriptions_stamp_change()',
    );

    // What each subscription matched, in the order the pull feed serves it: (tx_id, id) read below the
    // oldest running transaction, as for the outbox, so no entry is skipped while others commit.
    await queryRunner.query(`
      CREATE TABLE feed_entries (
        id bigserial PRIMARY KEY,
        tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        subscription_id uuid NOT NULL REFERENCES subscriptions (id),
        event_id uuid NOT NULL,
        record_id uuid NOT NULL,
        event_type varchar(64) NOT NULL,
        event jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT feed_entries_once UNIQUE (subscription_id, event_id)
      )`);
    await queryRunner.query(
      'CREATE INDEX feed_entries_feed_idx ON feed_entries (subscription_id, tx_id, id)',
    );
    await queryRunner.query(
      'CREATE INDEX feed_entries_record_idx ON feed_entries (record_id, subscription_id)',
    );

    await queryRunner.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subscription_id uuid NOT NULL REFERENCES subscriptions (id),
        feed_entry_id bigint NOT NULL REFERENCES feed_entries (id),
        event_id uuid NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        lease_until timestamptz,
        last_status_code int,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        CONSTRAINT webhook_deliveries_once UNIQUE (subscription_id, event_id)
      )`);
    // The notifier takes, per subscription, the oldest pending delivery: order is kept per subscription.
    await queryRunner.query(
      "CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (subscription_id, feed_entry_id) WHERE status = 'pending'",
    );
    await queryRunner.query(`
      CREATE TABLE delivery_attempts (
        id bigserial PRIMARY KEY,
        delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id),
        attempt int NOT NULL,
        started_at timestamptz NOT NULL,
        latency_ms int NOT NULL,
        status_code int,
        outcome varchar(16) NOT NULL CHECK (outcome IN ('delivered', 'failed', 'timeout', 'refused')),
        error text
      )`);
    await queryRunner.query(
      'CREATE INDEX delivery_attempts_delivery_idx ON delivery_attempts (delivery_id, attempt)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE delivery_attempts');
    await queryRunner.query('DROP TABLE webhook_deliveries');
    await queryRunner.query('DROP TABLE feed_entries');
    await queryRunner.query('DROP TABLE subscriptions');
    await queryRunner.query('DROP FUNCTION subscriptions_stamp_change()');
    await queryRunner.query('DROP SEQUENCE subscription_revision_seq');
  }
}
