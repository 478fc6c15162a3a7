#!/usr/bin/env bash
# Runs the service locally on http://localhost:5000 with its own private PostgreSQL.
#   ./run.sh            ./run.sh --demo   (seeds a demo evaluation)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
scripts/setup.sh
# The auditor's verifier, served on the evaluation page's 审计 section: published into artifacts/verifier when missing or
# older than its sources (the first run takes about half a minute longer). A failure leaves the service running; the
# page then says how to build it.
export Verifier__Directory="${Verifier__Directory:-$PWD/artifacts/verifier}"
if [[ ! -f "$Verifier__Directory/evaluation-verify.exe" || ! -f "$Verifier__Directory/evaluation-verify" \
      || -n "$(find src/Evaluation.Verifier src/Evaluation.Core Directory.Build.props -newer "$Verifier__Directory/evaluation-verify" \
               -type f \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' \) -not -path '*/obj/*' -not -path '*/bin/*' -print -quit)" ]]; then
    echo "run.sh: 正在生成审计核对程序（Windows 和 Linux 各一个文件，约半分钟）……" >&2
    scripts/publish-verifier.sh "$Verifier__Directory" >&2 || echo "run.sh: 核对程序未能生成，服务照常启动；审计页面会说明如何生成。" >&2
fi
# One-line plain logs for a person at a terminal, unless Logging__Json was set explicitly.
if [[ -t 1 ]]; then export Logging__Json="${Logging__Json:-false}"; fi
exec dotnet run --project src/Evaluation.Web -c Release -- "$@"
