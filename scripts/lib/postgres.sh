# Sourced by scripts/test and scripts/bench: a private PostgreSQL cluster on a free loopback port
# in a temporary directory, stopped and removed on exit. Sets PG_URL.
start_private_postgres() {
  local pgbin port
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  PG_DIR=$(mktemp -d /tmp/congvu-pg.XXXXXX)
  port=${CONGVU_TEST_PG_PORT:-55432}
  while (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null; do port=$((port + 1)); done
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$PG_DIR"; PG_AS=(runuser -u postgres --); else PG_AS=(); fi
  PG_CTL="$pgbin/pg_ctl"
  trap stop_private_postgres EXIT
  "${PG_AS[@]}" "$pgbin/initdb" -A trust -U postgres -D "$PG_DIR/data" >/dev/null
  "${PG_AS[@]}" "$pgbin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR ${PG_OPTIONS--c fsync=off} -c max_connections=400" start >/dev/null
  PG_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
}

stop_private_postgres() {
  [ -n "${PG_DIR:-}" ] || return 0
  "${PG_AS[@]}" "$PG_CTL" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  PG_DIR=""
}

# Installs Debian packages that are missing (as root, or through sudo).
apt_install() {
  [ $# -gt 0 ] || return 0
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing $* (Debian packages)"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}
