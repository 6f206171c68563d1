#!/usr/bin/env bash
# An example certificate set-up for deploy/nginx/clinic.conf: a private CA and a server
# certificate it signed, for a test or staging host. Production uses the hospital's CA or ACME
# (certbot --nginx) instead; the file names stay the same.
#
#   make-example-cert.sh DIR [NAME ...]   writes DIR/ca.crt, DIR/clinic.crt, DIR/clinic.key
#
# NAME: the DNS names the certificate is for (default: clinic.example.org localhost); 127.0.0.1
# and ::1 are always included. Clients trust DIR/ca.crt (curl --cacert DIR/ca.crt).
set -euo pipefail
dir=${1:?usage: make-example-cert.sh DIR [NAME ...]}
shift
names=("$@")
((${#names[@]})) || names=(clinic.example.org localhost)
command -v openssl >/dev/null || { echo "make-example-cert: openssl is needed (apt-get install openssl)" >&2; exit 1; }
mkdir -p "$dir"
umask 077
san=$(printf 'DNS:%s,' "${names[@]}")IP:127.0.0.1,IP:::1
openssl req -x509 -new -newkey rsa:2048 -nodes -days 825 -subj "/CN=Clinic example CA" \
  -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -subj "/CN=${names[0]}" \
  -keyout "$dir/clinic.key" -out "$dir/clinic.csr" 2>/dev/null
openssl x509 -req -in "$dir/clinic.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 825 \
  -extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san") -out "$dir/clinic.crt" 2>/dev/null
rm -f "$dir/clinic.csr" "$dir/ca.srl"
chmod 0644 "$dir/ca.crt" "$dir/clinic.crt"
echo "make-example-cert: $dir/clinic.crt for ${names[*]}, signed by $dir/ca.crt" >&2
