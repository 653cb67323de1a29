#!/usr/bin/env bash
# Installs Congvu as a systemd service (Debian, Ubuntu): the release binary and its resources under
# /opt/congvu, the user `congvu`, /etc/congvu/congvu.conf (kept when present), the unit. See
# docs/DEPLOYMENT.md for the first run.
#
#   sudo deploy/install.sh                      # builds `swift build -c release` first
#   BUILD_DIR=.build/release sudo -E deploy/install.sh --no-build
#   DESTDIR=/tmp/root deploy/install.sh --no-build   # into a staging root: no user, no systemctl
set -euo pipefail
cd "$(dirname "$0")/.."
build=1
[ "${1:-}" = "--no-build" ] && build=0
dest=${DESTDIR:-}
prefix=/opt/congvu
bin=${BUILD_DIR:-.build/release}

if [ $build = 1 ]; then swift build -c release --product congvu; fi
[ -x "$bin/congvu" ] || { echo "no $bin/congvu: build first (swift build -c release --product congvu)" >&2; exit 1; }
[ -d "$bin/Congvu_CongvuServer.resources" ] || { echo "no $bin/Congvu_CongvuServer.resources next to the binary" >&2; exit 1; }

install -d "$dest$prefix/bin" "$dest$prefix/docs" "$dest/etc/systemd/system" "$dest/etc/congvu"
install -m 0755 "$bin/congvu" "$dest$prefix/bin/congvu"
rm -rf "$dest$prefix/bin/Congvu_CongvuServer.resources"
cp -R "$bin/Congvu_CongvuServer.resources" "$dest$prefix/bin/"
install -m 0644 docs/*.md "$dest$prefix/docs/"
install -m 0644 deploy/congvu.service "$dest/etc/systemd/system/congvu.service"
if [ ! -f "$dest/etc/congvu/congvu.conf" ]; then
  install -m 0640 deploy/congvu.conf.example "$dest/etc/congvu/congvu.conf"
  echo "wrote $dest/etc/congvu/congvu.conf: set public_url (and database_url for PostgreSQL) before starting"
fi

if [ -z "$dest" ]; then
  id congvu >/dev/null 2>&1 || useradd --system --home-dir /var/lib/congvu --no-create-home --shell /usr/sbin/nologin congvu
  chgrp congvu /etc/congvu /etc/congvu/congvu.conf
  chmod 0750 /etc/congvu
  systemctl daemon-reload
  echo "installed $("$prefix/bin/congvu" version). Next: systemctl enable --now congvu; then docs/DEPLOYMENT.md, first run."
fi
