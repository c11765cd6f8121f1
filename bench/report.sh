#!/usr/bin/env bash
# What the mmtest tool costs: `mmtest report` over 10,000 records (target under 1 s), the history
# ingest of 10,000 records (target under 1 s), and what the ctest-time hook's history adds for a
# suite of 5,000 tests. Prints a markdown report (the "mmtest tool" section of docs/performance.md
# is this output).
#
#   bench/report.sh [--build-dir DIR] [--records N] [--tests N] [--runs N] [--keep]
#
#   --build-dir DIR   a configured and built mmtest build tree (default build/ci): its
#                     harness/run/mmtest and mmtest-run are measured
#   --records N       records for the report and ingest figures (default 10000)
#   --tests N         tests of the hook's project (default 5000)
#   --runs N          hyperfine runs per figure (default 10); the report quotes medians
#   --keep            keep the working directory (build/bench-report)
#
# The records are made up by this script, in the launcher's format (schema 3), each with a full
# memory_samples series of 100 points (the most a record holds): 10,000 of them are about 30 MB.
# Start times spread the tests over 2 hours on 16 lanes; 1 in 20 failed, 1 in 10 declares too
# much memory.
#
# Figures:
#   report            mmtest report DIR --no-history --quiet: read and merge the records, build
#                     the model (timeline lanes, the concurrent-memory sweep), no output
#   report + outputs  the same writing --html, --junit, --trace and --prometheus, and the
#                     terminal summary into /dev/null
#   ingest (new)      mmtest report DIR --quiet --history H into an empty H, minus "report":
#                     one transaction of N inserts, plus the regression queries (N lookups)
#   ingest (again)    the same into an H that already holds them: nothing is added
#   hook              `ctest -N` of a project of --tests add_mm_test tests, whose last run left
#                     one record per test: (1) the history already holds them (each later ctest),
#                     (2) the history is empty (the first ctest after a run nobody reported);
#                     and the `mmtest plan` command the hook runs, with and without --history
#                     (without it: the durations of the last run's records alone), on the same manifest
#
# Needs bash, cmake/ctest >= 3.25, hyperfine, jq (for reading hyperfine's JSON). No python.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
invocation="bench/report.sh${*:+ $*}"
build_dir="${root}/build/ci"
records=10000
tests=5000
runs=10
keep=false
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir="$(cd "$2" && pwd)"; shift 2 ;;
    --records) records="$2"; shift 2 ;;
    --tests) tests="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --keep) keep=true; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/report.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
tool="${build_dir}/harness/run/mmtest"
launcher="${build_dir}/harness/run/mmtest-run"
for program in "${tool}" "${launcher}"; do
  [ -x "${program}" ] || { echo "bench/report.sh: ${program} not found; build ${build_dir} first (cmake --build ${build_dir})" >&2; exit 2; }
done
for command in hyperfine jq cmake ctest; do
  command -v "${command}" >/dev/null || { echo "bench/report.sh: ${command} not found; run scripts/install-deps" >&2; exit 2; }
done

work="${root}/build/bench-report"
rm -rf "${work}"
mkdir -p "${work}"
if ! ${keep}; then trap 'rm -rf "${work}"' EXIT; fi

# write_records <dir> <count> <name prefix>: <count> records test files named <prefix><i>.json.
write_records() {
  local dir="$1" count="$2" prefix="$3"
  mkdir -p "${dir}"
  local samples="" point
  for point in $(seq 0 99); do
    samples+="${samples:+,}[$((point * 2)).0,$(((20 + point % 7) * 1048576))]"
  done
  local i start h m s outcome limit diagnosis
  for ((i = 1; i <= count; i++)); do
    start=$(((i * 7200) / count))
    h=$((10 + start / 3600)); m=$(((start / 60) % 60)); s=$((start % 60))
    outcome=passed; diagnosis=null; limit=67108864
    if ((i % 20 == 0)); then outcome=failed; diagnosis="\"mmtest: ${prefix}${i} failed with exit code 1\""; fi
    if ((i % 10 == 0)); then limit=1073741824; fi
    printf '{"schema_version":3,"name":"%s%d","command":["/bin/true"],"outcome":"%s","exit_code":0,"signal":null,"launcher_exit_code":0,"diagnosis":%s,"wall_seconds":1.5,"cpu_seconds":1.2,"cpu_wait_seconds":0.01,"starved":false,"peak_memory_bytes":%d,"peak_memory_source":"tree-rss-sample","memory_limit_bytes":%d,"limit_mode":"sample","timeout_seconds":60,"max_processes_seen":1,"leaked_processes":[],"labels":["unit"],"warnings":[],"started_at":"2026-11-22T%02d:%02d:%02d.000Z","finished_at":"2026-11-22T%02d:%02d:%02d.500Z","memory_samples":[%s]}\n' \
      "${prefix}" "${i}" "${outcome}" "${diagnosis}" $(((26 + i % 5) * 1048576)) "${limit}" \
      "${h}" "${m}" "${s}" "${h}" "${m}" $((s + 1 > 59 ? 59 : s + 1)) "${samples}" >"${dir}/${prefix}${i}.json"
  done
}

# median_ms <hyperfine json>: the median of the runs, in ms, one decimal.
median_ms() { jq -r '.results[0].median * 1000 | . * 10 | round / 10' "$1"; }
# time_it <label> <hyperfine args...>: runs hyperfine, prints nothing, leaves <label>.json.
time_it() {
  local label="$1"
  shift
  hyperfine --style none --runs "${runs}" --warmup 1 --export-json "${work}/${label}.json" "$@" >/dev/null
}

echo "bench/report.sh: writing ${records} records" >&2
write_records "${work}/records" "${records}" "test_"
records_mb=$(du -sm "${work}/records" | cut -f1)

echo "bench/report.sh: report and ingest" >&2
time_it report -N "${tool} report ${work}/records --no-history --quiet"
time_it outputs "${tool} report ${work}/records --no-history --html ${work}/r.html --junit ${work}/r.xml --trace ${work}/r.json --prometheus ${work}/r.prom > /dev/null"
time_it ingest_new --prepare "rm -f ${work}/h.sqlite" -N "${tool} report ${work}/records --quiet --history ${work}/h.sqlite"
time_it ingest_again -N "${tool} report ${work}/records --quiet --history ${work}/h.sqlite"
html_kb=$(($(stat -c %s "${work}/r.html") / 1024))

echo "bench/report.sh: the hook for ${tests} tests" >&2
project="${work}/hook"
mkdir -p "${project}/src"
cat >"${project}/src/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.25)
project(bench_hook NONE)
enable_testing()
include("${root}/cmake/MMTest.cmake")
foreach(i RANGE 1 ${tests})
  add_mm_test(NAME test_\${i} COMMAND /bin/true MEMORY 64M LABELS unit)
endforeach()
EOF
cmake -S "${project}/src" -B "${project}/build" -DMMTEST_RUN="${launcher}" >/dev/null
rm -rf "${project}/build/mmtest-results"
write_records "${project}/build/mmtest-results" "${tests}" "test_"
hook() { echo "cd ${project}/build && MMTEST_MEMORY_BUDGET=8G MMTEST_CPU_BUDGET=2 ctest -N > /dev/null 2>&1"; }
ctest_history="${project}/build/mmtest/history.sqlite"
time_it hook_steady --shell bash "$(hook)"
time_it hook_first --shell bash --prepare "rm -f ${ctest_history}" "$(hook)"
plan_args="--manifest ${project}/build/mmtest/manifest.cmake --budget-mib 8192 --cpus 2 --cost-data ${work}/cost.txt --records ${project}/build/mmtest-results"
time_it plan_none -N "${tool} plan ${plan_args}"
time_it plan_steady -N "${tool} plan ${plan_args} --history ${ctest_history}"
time_it plan_first --prepare "rm -f ${work}/plan.sqlite" -N "${tool} plan ${plan_args} --history ${work}/plan.sqlite"

report=$(median_ms "${work}/report.json")
ingest_new=$(median_ms "${work}/ingest_new.json")
cat <<EOF
\`${invocation}\`, $(date -u '+%Y-%m-%d %H:%M') UTC, on $(nproc) CPU(s) ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM; medians of ${runs} runs (hyperfine).

| ${records} records (${records_mb} MB) | median |
|---|---:|
| \`mmtest report --no-history --quiet\`: read, merge, model | $(median_ms "${work}/report.json") ms |
| the same with \`--html --junit --trace --prometheus\` and the summary (HTML page ${html_kb} KiB) | $(median_ms "${work}/outputs.json") ms |
| with \`--history\` into an empty history (ingest + regression queries) | ${ingest_new} ms |
| ingest alone (the difference) | $(awk -v a="${ingest_new}" -v b="${report}" 'BEGIN { printf "%.1f", a - b }') ms |
| with \`--history\` that already holds them (nothing added) | $(median_ms "${work}/ingest_again.json") ms |

| ${tests} tests, one record each from the last run | median |
|---|---:|
| \`ctest -N\`, the history already holds the records | $(median_ms "${work}/hook_steady.json") ms |
| \`ctest -N\`, empty history (first ctest after an unreported run) | $(median_ms "${work}/hook_first.json") ms |
| \`mmtest plan\` without \`--history\` (the planner over the last run's records) | $(median_ms "${work}/plan_none.json") ms |
| \`mmtest plan --history\`, history holds them | $(median_ms "${work}/plan_steady.json") ms |
| \`mmtest plan --history\`, empty history | $(median_ms "${work}/plan_first.json") ms |
EOF
