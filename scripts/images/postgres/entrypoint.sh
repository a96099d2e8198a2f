#!/bin/sh
# First start: create the cluster, the POSTGRES_USER with POSTGRES_PASSWORD, and
# POSTGRES_DB, as the official image does; then run the server on every interface.
set -eu
: "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD: the server accepts password logins only}"
user=${POSTGRES_USER:-postgres}
db=${POSTGRES_DB:-$user}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
    initdb --username="$user" --pwfile="$pwfile" --auth-local=trust \
        --auth-host=scram-sha-256 >/dev/null
    rm -f "$pwfile"
    echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
    if [ "$db" != postgres ]; then
        pg_ctl -o "-c listen_addresses=''" -w start >/dev/null
        createdb --username="$user" "$db"
        pg_ctl -m fast -w stop >/dev/null
    fi
fi

exec "$@" -c listen_addresses='*'
