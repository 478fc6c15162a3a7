#!/usr/bin/env bash
# Publishes the auditor's verifier (src/Evaluation.Verifier) as one self-contained file per platform, so an auditor
# checks a bundle on a machine without .NET:
#   scripts/publish-verifier.sh [DIR]      (default: artifacts/verifier, git-ignored)
# writes DIR/evaluation-verify.exe (Windows x64), DIR/evaluation-verify (Linux x64) and DIR/SHA256SUMS (`sha256sum -c`).
# Runs offline once the runtime packs are in the NuGet cache; about 25 s on two cores. The service serves DIR's files on
# the evaluation page's 审计 section (setting Verifier__Directory).
#
# The build happens in a folder of its own (--artifacts-path), so it neither disturbs nor is disturbed by a `dotnet build`
# of the solution running at the same time (a test run calls this script).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$(mkdir -p "${1:-$root/artifacts/verifier}" && cd "${1:-$root/artifacts/verifier}" && pwd)"
build="$(mktemp -d "${TMPDIR:-/tmp}/publish-verifier.XXXXXX")"
trap 'rm -rf "$build"' EXIT

publish() {
    # Self-contained single file, compressed: no .NET on the auditor's machine. Not trimmed: ClosedXML and OpenXml read
    # workbooks through reflection. The project sets InvariantGlobalization (no ICU needed; see its .csproj).
    dotnet publish "$root/src/Evaluation.Verifier/Evaluation.Verifier.csproj" -c Release -r "$1" --self-contained true \
        -p:PublishSingleFile=true -p:EnableCompressionInSingleFile=true -p:DebugType=none \
        --artifacts-path "$build/$1" -o "$build/out-$1" -nologo -v quiet >"$build/$1.log" 2>&1 \
        || { cat "$build/$1.log" >&2; echo "publish-verifier: $1 的发布失败（见上方输出）。" >&2; return 1; }
}

# Both at once: each is mostly one core's work.
publish win-x64 & windows=$!
publish linux-x64 & linux=$!
status=0
wait "$windows" || status=1
wait "$linux" || status=1
((status == 0)) || exit 1

install -m 0644 "$build/out-win-x64/evaluation-verify.exe" "$out/evaluation-verify.exe.tmp"
install -m 0755 "$build/out-linux-x64/evaluation-verify" "$out/evaluation-verify.tmp"
# Renamed into place only when both are complete, so a running service never serves half a file.
mv -f "$out/evaluation-verify.exe.tmp" "$out/evaluation-verify.exe"
mv -f "$out/evaluation-verify.tmp" "$out/evaluation-verify"
(cd "$out" && sha256sum evaluation-verify.exe evaluation-verify >SHA256SUMS.tmp && mv -f SHA256SUMS.tmp SHA256SUMS)
echo "publish-verifier: 已生成 $out："
(cd "$out" && ls -l evaluation-verify.exe evaluation-verify SHA256SUMS | awk '{printf "  %-22s %12s 字节\n", $9, $5}')
