#!/bin/sh
# Check, and as root install, the system packages riskreg needs beyond Python:
# Pango for WeasyPrint, DejaVu fonts (they draw the trend arrows in PDF packs),
# poppler-utils for reading packs back, and Debian's chromium for browser tests.
# With --bench, also what the benchmarks need: wrk, the load generator of bench/serve.py
# (`make bench`); `make install` and `make test` do not ask for it.
set -eu

PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core poppler-utils chromium"
BENCH_PACKAGES="wrk"

case "${1:-}" in
    "") ;;
    --bench) PACKAGES="$PACKAGES $BENCH_PACKAGES" ;;
    *) echo "usage: $0 [--bench]" >&2; exit 2 ;;
esac

missing=""
for pkg in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $pkg"
    fi
done

if [ -z "$missing" ]; then
    echo "system-deps: all present ($PACKAGES)"
    exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: installing with apt-get:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
    echo "system-deps: installed$missing"
    exit 0
fi

echo "system-deps: missing system packages:$missing" >&2
echo "system-deps: install them as root:  sudo apt-get install$missing" >&2
exit 1
