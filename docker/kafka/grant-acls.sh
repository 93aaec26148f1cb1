#!/bin/bash
# One-shot (compose service `kafka-acls`): the ACLs of the hub's service principals, as
# libs/messaging/src/service-principals.ts grants them on the development broker. Idempotent.
set -euo pipefail
umask 077
settings=$(mktemp)
cat > "$settings" <<PROPERTIES
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="hub-admin" password="${KAFKA_ADMIN_PASSWORD:?KAFKA_ADMIN_PASSWORD is required}";
PROPERTIES
acls() { /opt/kafka/bin/kafka-acls.sh --bootstrap-server "${KAFKA_BOOTSTRAP:-kafka:9092}" --command-config "$settings" --add "$@" >/dev/null; }
regions=(americas europe asia-pacific east-southern-africa west-central-africa mena)
for topic in hub.alerts.v1 hub.seizures.v1; do
  acls --allow-principal User:hub-relay --operation Create --operation Write --operation Describe --topic "$topic"
  acls --allow-principal User:hub-router --operation Read --operation Describe --topic "$topic"
done
acls --allow-principal User:hub-router --operation Read --operation Describe --group hub-router --resource-pattern-type prefixed
for region in "${regions[@]}"; do
  acls --allow-principal User:hub-router --operation Create --operation Write --operation Describe --topic "hub.region.${region}.v1"
done
acls --allow-principal User:hub-router --operation Create --operation Write --operation Describe --topic hub.router.dead-letter.v1
acls --allow-principal User:hub-notifier --operation Create --operation Write --operation Describe --topic hub.deliveries.dead-letter.v1
for principal in hub-relay hub-router hub-notifier; do
  acls --allow-principal "User:$principal" --operation IdempotentWrite --cluster
done
echo "[kafka-acls] service principals granted"
