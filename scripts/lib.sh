# scripts/lib.sh - shared by scripts/demo and scripts/test: install missing
# Debian packages and configure/build. Sourced, not run.

SA_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Packages needed to build and run.
SA_BUILD_PKGS="build-essential cmake pkg-config libcurl4-openssl-dev libcjson-dev \
libmicrohttpd-dev libsqlite3-dev libssl-dev ca-certificates curl"
# Extra packages the test suites use: cmocka, a real Prometheus, headless
# Chromium for the dashboard, sqlite3, jq and python3 (small fake peers and
# exporters) and nodejs (drives Chromium over DevTools) for the shell tests.
SA_TEST_PKGS="libcmocka-dev prometheus chromium sqlite3 jq python3 python3-yaml nodejs"

sa_missing_pkgs() {
    local p missing=""
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing="$missing $p"
    done
    echo "$missing"
}

# sa_install PKG...: install what is missing, as root, with sudo, or tell
# the user the exact command and exit 2.
sa_install() {
    local missing
    missing=$(sa_missing_pkgs "$@")
    [ -z "$missing" ] && return 0
    echo "scaleadvisor: installing:$missing" >&2
    local cmd="apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends$missing"
    if [ "$(id -u)" = 0 ]; then
        bash -c "$cmd" >&2 || { echo "scaleadvisor: apt-get failed" >&2; exit 2; }
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo bash -c "$cmd" >&2 || { echo "scaleadvisor: apt-get failed" >&2; exit 2; }
    else
        echo "scaleadvisor: missing packages; run as root:" >&2
        echo "  sudo apt-get update && sudo apt-get install -y$missing" >&2
        exit 2
    fi
}

# sa_build DIR [cmake args...]: configure (once) and build.
sa_build() {
    local dir=$1
    shift
    cmake -S "$SA_ROOT" -B "$dir" "$@" >/dev/null || exit 1
    cmake --build "$dir" -j "$(nproc)" || exit 1
}
