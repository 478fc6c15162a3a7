#!/usr/bin/env bash
# Makes sure this machine has what the project needs to run and to test:
#   PostgreSQL server binaries (the app and the tests start a private cluster from them),
#   Chromium, a CJK font, colour emoji and a CJK Extension B font (PDF reports, browser tests), poppler-utils (pdftotext, PDF tests),
#   PgBouncer (the tests run the app through it in transaction mode, as deploy/k8s does), Caddy and NSS's certutil (the HTTPS
#   test runs deploy/Caddyfile in front of the app and has Chromium trust Caddy's own CA), and the .NET 10 SDK.
# Idempotent and quiet: when everything is present it prints nothing and returns at once.
# As root it installs what is missing with apt; otherwise it prints the command to run and fails.
set -euo pipefail

missing_packages() {
    local -a absent=()
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || absent+=(postgresql)
    [[ -x /usr/bin/chromium ]] || absent+=(chromium)
    if ! command -v fc-list >/dev/null || [[ -z "$(fc-list :lang=zh family 2>/dev/null)" ]]; then
        absent+=(fontconfig fonts-noto-cjk)
    fi
    # Voters type emoji and rare characters: the PDF draws them only if some font has them. Colour emoji (U+1F44D 👍),
    # and CJK Extension B as a whole (U+2A6D6 𪛖, its last character; Noto CJK holds only a few of Extension B).
    if ! command -v fc-list >/dev/null || [[ -z "$(fc-list :charset=1f44d family 2>/dev/null)" ]]; then
        absent+=(fonts-noto-color-emoji)
    fi
    if ! command -v fc-list >/dev/null || [[ -z "$(fc-list :charset=2a6d6 family 2>/dev/null)" ]]; then
        absent+=(fonts-hanazono)
    fi
    command -v pdftotext >/dev/null || absent+=(poppler-utils)
    [[ -x /usr/sbin/pgbouncer ]] || absent+=(pgbouncer)
    [[ -x /usr/bin/caddy ]] || absent+=(caddy)
    [[ -x /usr/bin/certutil ]] || absent+=(libnss3-tools)
    echo "${absent[*]}"
}

# apt-get waits for the dpkg lock with DPkg::Lock::Timeout, but `apt-get update` does not wait for
# the package-lists lock; retry while another apt process holds a lock (up to about 5 minutes).
apt_get() {
    local log status waited=false deadline=$((SECONDS + 300))
    log="$(mktemp)"
    while :; do
        status=0
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 "$@" 2>"$log" || status=$?
        if [[ $status -eq 0 ]] || ! grep -q 'Could not get lock' "$log" || ((SECONDS >= deadline)); then
            cat "$log" >&2
            rm -f "$log"
            return "$status"
        fi
        if ! $waited; then echo "setup: 另一个 apt 进程正在运行，等待其结束……" >&2; waited=true; fi
        sleep 5
    done
}

missing="$(missing_packages)"
if [[ -n "$missing" ]]; then
    if ! command -v apt-get >/dev/null; then
        echo "setup: 缺少以下软件（Debian 包名）：$missing。请用本系统的包管理器安装后重试。" >&2
        exit 1
    fi
    if [[ $EUID -ne 0 ]]; then
        echo "setup: 缺少以下软件包：$missing。请运行：" >&2
        echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends $missing" >&2
        exit 1
    fi
    echo "setup: 正在安装：$missing" >&2
    apt_get update -q
    # shellcheck disable=SC2086 # word splitting of the package list is intended
    apt_get install -y -q --no-install-recommends $missing
    # The package enables a system-wide caddy serving its welcome page on port 80; the tests start their own.
    if [[ " $missing " == *" caddy "* ]] && command -v systemctl >/dev/null; then
        systemctl disable --now caddy.service >/dev/null 2>&1 || true
    fi
    still="$(missing_packages)"
    if [[ -n "$still" ]]; then
        echo "setup: 安装后仍缺少：$still（/usr/lib/postgresql/*/bin/initdb、/usr/bin/chromium、fc-list :lang=zh、fc-list :charset=1f44d、fc-list :charset=2a6d6、pdftotext、/usr/sbin/pgbouncer、/usr/bin/caddy、/usr/bin/certutil）。" >&2
        exit 1
    fi
fi

if ! command -v dotnet >/dev/null; then
    echo "setup: 找不到 dotnet。请安装 .NET 10 SDK：https://dotnet.microsoft.com/download/dotnet/10.0" >&2
    exit 1
fi
if ! dotnet --list-sdks 2>/dev/null | grep -q '^10\.'; then
    echo "setup: 已有 dotnet，但没有 .NET 10 SDK（dotnet --list-sdks）。请安装 .NET 10 SDK：https://dotnet.microsoft.com/download/dotnet/10.0" >&2
    exit 1
fi
