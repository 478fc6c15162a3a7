#!/usr/bin/env bash
# Runs the whole test suite. Extra arguments go to `dotnet test` (e.g. ./test.sh --filter Name~Pdf).
# The last line printed is always "N passed, N failed, N skipped"; the exit status is non-zero when
# dotnet test failed, any test failed, or no results were written.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")" || exit 1
results="$PWD/TestResults"

summary() { echo "$1 passed, $2 failed, $3 skipped"; }

# Value of attribute $2 in the element text $1, or 0 when absent.
attr() {
    local v
    v="$(sed -n "s/.*[[:space:]]$2=\"\([0-9]*\)\".*/\1/p" <<<"$1")"
    echo "${v:-0}"
}

if ! scripts/setup.sh; then
    echo "test.sh: scripts/setup.sh 失败，未运行测试。" >&2
    summary 0 1 0
    exit 1
fi

rm -rf "$results"
# LogFilePrefix, not LogFileName: with a fixed LogFileName every test project overwrites the same
# file; with a prefix each project writes its own results_<framework>_<timestamp>.trx.
dotnet test Evaluation.sln -c Release --logger "trx;LogFilePrefix=results" --results-directory "$results" "$@"
status=$?

# Sum the <Counters .../> of every TRX written (one per test project).
total=0 passed=0 failed=0 files=0
while IFS= read -r -d '' trx; do
    counters="$(tr '\n\r' '  ' <"$trx" | grep -o '<Counters[[:space:]][^>]*>' | head -n 1)"
    [[ -n "$counters" ]] || continue
    files=$((files + 1))
    total=$((total + $(attr "$counters" total)))
    passed=$((passed + $(attr "$counters" passed)))
    failed=$((failed + $(attr "$counters" failed) + $(attr "$counters" error) \
        + $(attr "$counters" timeout) + $(attr "$counters" aborted)))
done < <(find "$results" -name '*.trx' -type f -print0 2>/dev/null)

if ((files == 0)); then
    echo "test.sh: 没有生成测试结果（$results 下没有含 <Counters> 的 .trx 文件）：构建失败或测试未能启动，见上方输出。" >&2
    summary 0 1 0
    exit 1
fi

skipped=$((total - passed - failed))
((skipped < 0)) && skipped=0
if ((status != 0 && failed == 0)); then
    # dotnet test failed although no test did (build error, crashed test host, …): do not report success.
    echo "test.sh: dotnet test 以状态 $status 结束，但没有失败的测试；见上方输出。" >&2
    failed=1
fi
summary "$passed" "$failed" "$skipped"
((status == 0 && failed == 0))
