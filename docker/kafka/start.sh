#!/bin/bash
# Starts the compose file's Kafka broker secured as the development broker is
# (apps/launcher/src/kafka-broker.ts): SCRAM-SHA-512 users written at format time, the KRaft
# StandardAuthorizer with no access without an ACL, the bootstrap admin as the only super user,
# a SASL_SSL listener for stream consumers, no topic auto-creation, 30 s re-authentication.
#   INTERNAL   kafka:9092  SASL_PLAINTEXT  the hub's services, on the compose network only
#   CONTROLLER kafka:9093  SASL_PLAINTEXT  PLAIN, the bootstrap admin only (KRaft cannot use SCRAM here)
#   EXTERNAL   :9094       SASL_SSL        stream consumers (published on the host by compose.yaml)
# Passwords come from the environment (compose.yaml); nothing secret is passed on a command line
# except to kafka-storage at the first format, inside this container.
#
# One node of a cluster (compose.cluster.yaml) when KAFKA_CONTROLLER_QUORUM_VOTERS is set: node
# KAFKA_NODE_ID, reached as KAFKA_NODE_HOST, formatted with the cluster's KAFKA_CLUSTER_ID (the same
# on every node, as are the SCRAM users), topics replicated KAFKA_REPLICATION_FACTOR times with
# KAFKA_MIN_INSYNC_REPLICAS. Unset: the single node of compose.yaml.
set -euo pipefail

for variable in KAFKA_ADMIN_PASSWORD KAFKA_RELAY_PASSWORD KAFKA_ROUTER_PASSWORD KAFKA_NOTIFIER_PASSWORD KAFKA_GATEWAY_PASSWORD; do
  if [ -z "${!variable:-}" ]; then echo "[kafka] $variable is required" >&2; exit 1; fi
done
for file in /etc/kafka/tls/broker.pem /etc/kafka/tls/broker.key; do
  if [ ! -r "$file" ]; then echo "[kafka] $file is missing: run docker/kafka/dev-certificates.sh (or mount your own)" >&2; exit 1; fi
done

# Settings and the keystore (they hold secrets) live in the container only; the data in the volume.
state=/tmp/hub-kafka
mkdir -p "$state"
config=$state/server.properties
data=/var/lib/kafka/data
keystore=$state/broker-keystore.pem
external_host=${KAFKA_EXTERNAL_HOST:-localhost}
external_port=${KAFKA_EXTERNAL_PORT:-9094}
node_id=${KAFKA_NODE_ID:-1}
node_host=${KAFKA_NODE_HOST:-kafka}
replication=${KAFKA_REPLICATION_FACTOR:-1}
min_isr=${KAFKA_MIN_INSYNC_REPLICAS:-1}
if [ -n "${KAFKA_CONTROLLER_QUORUM_VOTERS:-}" ]; then
  if [ -z "${KAFKA_CLUSTER_ID:-}" ]; then echo "[kafka] KAFKA_CLUSTER_ID is required for a cluster" >&2; exit 1; fi
  quorum="controller.quorum.voters=${KAFKA_CONTROLLER_QUORUM_VOTERS}"
  format_as=()
else
  quorum="controller.quorum.bootstrap.servers=${node_host}:9093"
  format_as=(--standalone)
fi
umask 077
chmod 700 "$state"
cat /etc/kafka/tls/broker.key /etc/kafka/tls/broker.pem > "$keystore"

cat > "$config" <<PROPERTIES
process.roles=broker,controller
node.id=${node_id}
${quorum}
listeners=INTERNAL://:9092,CONTROLLER://:9093,EXTERNAL://:9094
advertised.listeners=INTERNAL://${node_host}:9092,CONTROLLER://${node_host}:9093,EXTERNAL://${external_host}:${external_port}
inter.broker.listener.name=INTERNAL
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,INTERNAL:SASL_PLAINTEXT,EXTERNAL:SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.internal.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="hub-admin" password="${KAFKA_ADMIN_PASSWORD}";
listener.name.external.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="hub-admin" password="${KAFKA_ADMIN_PASSWORD}" user_hub-admin="${KAFKA_ADMIN_PASSWORD}";
listener.name.external.ssl.keystore.type=PEM
listener.name.external.ssl.keystore.location=${keystore}
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:hub-admin
connections.max.reauth.ms=30000
auto.create.topics.enable=false
log.dirs=${data}
num.partitions=1
default.replication.factor=${replication}
min.insync.replicas=${min_isr}
unclean.leader.election.enable=false
offsets.topic.replication.factor=${replication}
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=${replication}
transaction.state.log.min.isr=${min_isr}
share.coordinator.state.topic.replication.factor=${replication}
share.coordinator.state.topic.min.isr=${min_isr}
group.initial.rebalance.delay.ms=0
PROPERTIES

# Admin client settings for the health check.
cat > "$state/admin.properties" <<PROPERTIES
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="hub-admin" password="${KAFKA_ADMIN_PASSWORD}";
PROPERTIES

if [ ! -f "$data/meta.properties" ]; then
  scram() { printf 'SCRAM-SHA-512=[name=%s,password=%s]' "$1" "$2"; }
  cluster_id=${KAFKA_CLUSTER_ID:-$(/opt/kafka/bin/kafka-storage.sh random-uuid)}
  /opt/kafka/bin/kafka-storage.sh format "${format_as[@]}" -t "$cluster_id" -c "$config" \
    --add-scram "$(scram hub-admin "$KAFKA_ADMIN_PASSWORD")" \
    --add-scram "$(scram hub-relay "$KAFKA_RELAY_PASSWORD")" \
    --add-scram "$(scram hub-router "$KAFKA_ROUTER_PASSWORD")" \
    --add-scram "$(scram hub-notifier "$KAFKA_NOTIFIER_PASSWORD")" \
    --add-scram "$(scram hub-gateway "$KAFKA_GATEWAY_PASSWORD")"
fi
exec /opt/kafka/bin/kafka-server-start.sh "$config"
