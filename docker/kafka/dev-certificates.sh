#!/bin/sh
# A development CA and a certificate for the compose file's SASL_SSL listener (names localhost,
# 127.0.0.1 and kafka), written to docker/kafka/tls/ (git-ignored). Run once, on the host:
#   sh docker/kafka/dev-certificates.sh
# Stream consumers trust docker/kafka/tls/ca.pem. For a real deployment mount your own
# broker.pem/broker.key (PEM, unencrypted PKCS#8 key) signed by a CA your consumers trust.
set -eu
dir="$(dirname "$0")/tls"
mkdir -p "$dir"
cd "$dir"
[ -f ca.pem ] && [ -f broker.pem ] && { echo "docker/kafka/tls already holds a CA and a broker certificate"; exit 0; }
umask 077
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 825 \
  -subj '/O=Cosmo Hub/CN=Cosmo Hub compose Kafka CA' \
  -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout broker.key -out broker.csr -subj '/O=Cosmo Hub/CN=localhost' 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,DNS:kafka\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' > broker.ext
openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out broker.pem -days 825 -sha256 -extfile broker.ext 2>/dev/null
rm -f broker.csr broker.ext
# The broker runs as the image's user (uid 1000), not as you: it must be able to read the key.
# A development key: on a shared host, use your own certificates and a Docker secret instead.
chmod 644 ca.pem broker.pem broker.key
chmod 755 .
echo "written: $(pwd)/ca.pem (give to stream consumers), broker.pem, broker.key"
