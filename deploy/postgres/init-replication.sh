#!/bin/sh
# The primary's side of streaming replication (docker-compose.yml, profile "replica"): a user
# that may only replicate, and a pg_hba.conf line letting it connect for replication, which the
# image's "host all all all" line does not cover. The official postgres image runs this once,
# when it initialises an empty volume; for an existing volume, run it by hand:
#   docker compose exec -u postgres postgres sh /docker-entrypoint-initdb.d/10-replication.sh
# then restart postgres (pg_hba.conf is read at start and on reload).
set -eu
psql -v ON_ERROR_STOP=1 -v password="${POSTGRES_REPLICATION_PASSWORD:?}" \
  --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" <<'SQL'
SELECT 'CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD ' || quote_literal(:'password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'replicator')
\gexec
SQL
hba="${PGDATA:-/var/lib/postgresql/data}/pg_hba.conf"
grep -q '^host replication replicator ' "$hba" \
  || echo "host replication replicator all scram-sha-256" >> "$hba"
