# A throwaway PostgreSQL cluster for the tests: sourced by .ci/run and scripts/test-postgres.
#
#   source scripts/pg-cluster.sh
#   pg_cluster_start        # sets CRM_TEST_DATABASE_URL (a superuser URL on 127.0.0.1, random port)
#   ...
#   pg_cluster_stop         # stops the server and deletes its folder (call it from a trap)
#
# The cluster lives in a temporary folder, runs as an unprivileged user (the `crmtest` system
# user when started by root, else you), listens on 127.0.0.1 only, and has a random password
# (scram-sha-256 over TCP), so the tests exercise a real password login. Durability is off
# (fsync, synchronous_commit): the data is thrown away anyway and the tests run faster.

pg_bin_dir() {
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
        if [ "$(id -u)" != 0 ]; then
            echo "PostgreSQL is not installed; run: sudo apt-get install -y postgresql" >&2
            return 1
        fi
        echo "Installing PostgreSQL from the Debian packages..." >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    fi
    echo "$bin"
}

_pg_as() {
    # Run a command as the cluster's user.
    if [ -n "${PG_CLUSTER_USER:-}" ]; then
        runuser -u "$PG_CLUSTER_USER" -- "$@"
    else
        "$@"
    fi
}

pg_cluster_start() {
    local bin port password locale
    bin=$(pg_bin_dir) || return 1
    PG_CLUSTER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/crm-pg.XXXXXX")
    PG_CLUSTER_USER=""
    if [ "$(id -u)" = 0 ]; then
        # PostgreSQL refuses to run as root: an unprivileged system user owns the cluster.
        id crmtest >/dev/null 2>&1 ||
            useradd --system --no-create-home --shell /usr/sbin/nologin crmtest
        PG_CLUSTER_USER=crmtest
        chown crmtest: "$PG_CLUSTER_DIR"
    fi
    chmod 700 "$PG_CLUSTER_DIR"
    password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    locale=C.UTF-8
    locale -a 2>/dev/null | grep -qi '^c\.utf-\?8$' || locale=C
    printf '%s\n' "$password" > "$PG_CLUSTER_DIR/pw"
    [ -n "$PG_CLUSTER_USER" ] && chown "$PG_CLUSTER_USER": "$PG_CLUSTER_DIR/pw"
    _pg_as "$bin/initdb" -D "$PG_CLUSTER_DIR/data" -U crm --pwfile="$PG_CLUSTER_DIR/pw" \
        --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale="$locale" \
        >"$PG_CLUSTER_DIR/initdb.log" 2>&1 || { cat "$PG_CLUSTER_DIR/initdb.log" >&2; return 1; }
    rm -f "$PG_CLUSTER_DIR/pw"
    _pg_as "$bin/pg_ctl" -D "$PG_CLUSTER_DIR/data" -l "$PG_CLUSTER_DIR/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$PG_CLUSTER_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null || { cat "$PG_CLUSTER_DIR/server.log" >&2; return 1; }
    export CRM_TEST_DATABASE_URL="postgresql://crm:$password@127.0.0.1:$port/postgres"
    export PG_CLUSTER_DIR PG_CLUSTER_USER PG_CLUSTER_BIN="$bin"
    echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') test cluster on 127.0.0.1:$port ($PG_CLUSTER_DIR)" >&2
}

pg_cluster_stop() {
    [ -n "${PG_CLUSTER_DIR:-}" ] && [ -d "$PG_CLUSTER_DIR" ] || return 0
    _pg_as "$PG_CLUSTER_BIN/pg_ctl" -D "$PG_CLUSTER_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_CLUSTER_DIR"
    PG_CLUSTER_DIR=""
}
