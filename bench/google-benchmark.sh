#!/usr/bin/env bash
# A real mixed suite: google/benchmark's own tests (short CPU-bound runs, some that mostly wait,
# some running threads), unchanged, run by plain CTest and under mmtest through MMTestAdopt.cmake
# (zero-line adoption). Prints a markdown report (the "A real mixed suite" part of the "Learned
# CPU demand" section of docs/performance.md is this output).
#
#   bench/google-benchmark.sh [--prefix DIR] [--source DIR] [--runs N] [--jobs N] [--without REGEX]
#                             [--overcommit LIST] [--keep]
#
#   --prefix DIR   use mmtest installed in DIR (as by `cmake --install`) instead of building and
#                  installing this source tree (Release, -DMMTEST_BUILD_TESTS=OFF) first
#   --source DIR   an unpacked google/benchmark source tree; by default Debian's source package
#                  `benchmark` is fetched with `apt-get source`, through a private apt
#                  configuration (in the working directory) whose deb-src entries are this
#                  machine's own deb entries: nothing under /etc/apt changes
#   --runs N       repetitions of each configuration; the report quotes medians (default 3)
#   --jobs N       ctest -j (default 64)
#   --without REGEX  also run plain and mmtest (learned) without the tests REGEX matches (ctest -E;
#                  default ^internal_threading_test$, which spins its threads for a set time and
#                  so uses whatever CPU it gets; '' for none)
#   --overcommit LIST  also run mmtest (learned) with each MMTEST_CPU_OVERCOMMIT of LIST
#                  (comma-separated per cent: 0, 10, 20, 30; default none), after the fourth run of
#                  each repetition, which runs with the default (30)
#   --keep         keep the working directory
#
# Each repetition runs, in this order: plain `ctest -j N` of a build without mmtest; then, in a
# build configured with -DCMAKE_PROJECT_TOP_LEVEL_INCLUDES=<prefix>/lib/cmake/mmtest/MMTestAdopt.cmake,
# a first run (history, records and CTest's cost data deleted: every test holds the CPU it
# declares, one), then a second, third and fourth (each test holds what its earlier runs were
# seen to use); then, with --overcommit, mmtest once per value; then, with --without, plain and
# mmtest once more without those tests.
# Figures: ctest's wall time; tests passed; records that say starved; the CPU seconds of ctest
# and every process it ran (bash's `times`) over the CPUs: the bound no schedule of that work can
# beat; the most CPUs held at once. For the last fourth run, the tests of 0.1 s or more that held
# more or less than one CPU, with what they used, and the learned line.
#
# Needs bash, cmake/ctest >= 3.25, a C++ compiler, GoogleTest (libgtest-dev), jq; ninja if present;
# apt-get with a reachable Debian archive unless --source is given. About 9 minutes with --runs 5
# on an idle 2-CPU machine, most of it building mmtest and google/benchmark twice.
set -euo pipefail

source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench_name=google-benchmark.sh
# shellcheck source=bench/lib.sh
source "$source_dir/bench/lib.sh"
invocation="bench/google-benchmark.sh${*:+ $*}"
prefix=""
suite_source=""
runs=3
jobs=64
without='^internal_threading_test$'
overcommit=""
keep=0

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
    --prefix=*) prefix="${1#*=}"; shift ;;
    --source) suite_source="${2:?--source needs a directory}"; shift 2 ;;
    --source=*) suite_source="${1#*=}"; shift ;;
    --runs) runs="${2:?--runs needs a number}"; shift 2 ;;
    --runs=*) runs="${1#*=}"; shift ;;
    --jobs) jobs="${2:?--jobs needs a number}"; shift 2 ;;
    --jobs=*) jobs="${1#*=}"; shift ;;
    --without) without="${2?--without needs a regular expression}"; shift 2 ;;
    --without=*) without="${1#*=}"; shift ;;
    --overcommit) overcommit="${2?--overcommit needs a list}"; shift 2 ;;
    --overcommit=*) overcommit="${1#*=}"; shift ;;
    --keep) keep=1; shift ;;
    -h | --help) bench_usage; exit 0 ;;
    *) bench_fail "unknown argument '$1' (see --help)" ;;
  esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || bench_fail "--runs: expected a positive integer, got '$runs'"
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || bench_fail "--jobs: expected a positive integer, got '$jobs'"
[[ -z "$overcommit" || "$overcommit" =~ ^(0|10|20|30)(,(0|10|20|30))*$ ]] ||
  bench_fail "--overcommit: expected per cent values among 0, 10, 20, 30, comma-separated, got '$overcommit'"
bench_require cmake ctest jq
unset MMTEST_CPU_OVERCOMMIT  # every run but the --overcommit ones has the default
bench_generator
if [ -n "$suite_source" ]; then
  case "$suite_source" in /*) ;; *) suite_source="$PWD/$suite_source" ;; esac
  [ -f "$suite_source/test/CMakeLists.txt" ] || bench_fail "--source: no test/CMakeLists.txt in $suite_source"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/mmtest-google-benchmark.XXXXXX")"
cleanup() { if [ "$keep" -eq 1 ]; then echo "$bench_name: kept $work" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the suite's source -------------------------------------------------------------------------
if [ -z "$suite_source" ]; then
  bench_require apt-get
  bench_progress "fetching Debian's source package 'benchmark' (apt-get source, private apt state in $work/apt)"
  apt_dir="$work/apt"
  mkdir -p "$apt_dir/parts" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$work/suite"
  # deb-src twins of this machine's deb entries, in both formats apt reads.
  for list in /etc/apt/sources.list.d/*.sources; do
    [ -f "$list" ] || continue
    sed 's/^Types:[[:space:]]*deb[[:space:]]*$/Types: deb-src/' "$list" >"$apt_dir/parts/$(basename "$list")"
  done
  : >"$apt_dir/sources.list"
  for list in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$list" ] || continue
    sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$list" >>"$apt_dir/sources.list"
  done
  apt_options=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=$apt_dir/parts"
               -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o "APT::Sandbox::User=root"
               -o "Acquire::Check-Valid-Until=false")
  { apt-get "${apt_options[@]}" update &&
    (cd "$work/suite" && apt-get "${apt_options[@]}" source --download-only benchmark); } >"$work/apt.log" 2>&1 ||
    { cat "$work/apt.log" >&2; bench_fail "could not fetch the source package 'benchmark' (give an unpacked tree with --source)"; }
  tarball="$(find "$work/suite" -maxdepth 1 -name 'benchmark_*.orig.tar.*' | head -n 1)"
  [ -n "$tarball" ] || bench_fail "no benchmark_*.orig.tar.* among what apt-get source fetched (see $work/apt.log)"
  tar -xf "$tarball" -C "$work/suite"
  suite_source="$(find "$work/suite" -mindepth 1 -maxdepth 1 -type d -name 'benchmark-*' | head -n 1)"
  [ -n "$suite_source" ] || bench_fail "the tarball $tarball held no benchmark-* directory"
fi
suite_version="$(basename "$suite_source")"

# ---- mmtest, the two builds ---------------------------------------------------------------------
bench_mmtest_prefix "$work"
for build in plain mmtest; do
  adopt=()
  [ "$build" = mmtest ] && adopt=(-DCMAKE_PROJECT_TOP_LEVEL_INCLUDES="$prefix/lib/cmake/mmtest/MMTestAdopt.cmake")
  bench_progress "configuring and building $suite_version ($build)"
  { cmake -S "$suite_source" -B "$work/$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
      -DBENCHMARK_DOWNLOAD_DEPENDENCIES=OFF -DBENCHMARK_USE_BUNDLED_GTEST=OFF -DBENCHMARK_ENABLE_WERROR=OFF "${adopt[@]}" &&
    cmake --build "$work/$build"; } >"$work/$build.build.log" 2>&1 || { cat "$work/$build.build.log" >&2; exit 1; }
done
adopted="$(grep -o 'mmtest: adopted [0-9]* tests' "$work/mmtest.build.log" | head -n 1 || true)"
[ -n "$adopted" ] || bench_fail "the mmtest build did not say what it adopted (see $work/mmtest.build.log)"

# ---- runs ---------------------------------------------------------------------------------------
mkdir -p "$work/runs"
run_config() {   # BUILD CONFIG REP [CTEST ARGUMENT...]
  local build="$1" config="$2" rep="$3" dir="$work/$1" out="$work/runs/$1.$2.$3"
  shift 3
  if [ "$config" = first ]; then
    rm -rf "$dir/mmtest-results" "$dir/mmtest/history.sqlite"
    rm -f "$dir/Testing/Temporary/CTestCostData.txt" "$dir/Testing/Temporary/LastTestsFailed.log"
  fi
  bench_progress "run $rep/$runs: $build, $config (-j $jobs${*:+ $*})"
  bench_timed_ctest "$out.log" --test-dir "$dir" -j "$jobs" "$@"
  bench_run_figures "$dir/mmtest-results" "$out.json" "$bench_wall" "$build" "$config" "$bench_status" "$out.log" "$bench_cpu"
}
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
started_at="$(date -u '+%Y-%m-%d %H:%M UTC')"
for rep in $(seq 1 "$runs"); do
  run_config plain plain "$rep"
  run_config mmtest first "$rep"
  run_config mmtest second "$rep"
  run_config mmtest third "$rep"
  run_config mmtest fourth "$rep"
  for value in ${overcommit//,/ }; do
    export MMTEST_CPU_OVERCOMMIT="$value"
    run_config mmtest "overcommit-$value" "$rep"
    unset MMTEST_CPU_OVERCOMMIT
  done
  if [ -n "$without" ]; then
    run_config plain plain-without "$rep" -E "$without"
    run_config mmtest mmtest-without "$rep" -E "$without"
  fi
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
jq -s . "$work"/runs/*.json >"$work/figures.json"

# ---- report -------------------------------------------------------------------------------------
cpus="$(nproc)"
stat() {   # BUILD CONFIG EXPRESSION: the median over repetitions
  jq --arg build "$1" --arg config "$2" '
    def median: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
    [.[] | select(.build == $build and .config == $config) | '"$3"'] | median' "$work/figures.json"
}
fmt() { LC_ALL=C printf "$1" "$2"; }
base="$(stat plain plain .wall)"
cat <<EOF
Command: \`$invocation\`, $started_at. Suite: $suite_version, $adopted (MMTestAdopt.cmake), \`ctest -j $jobs\`.

Machine: $cpus CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), \
$(free -h | awk '/^Mem:/ { print $2 }') RAM, Linux $(uname -r), $(ctest --version | head -n 1). \
Load average (1, 5, 15 min): $load_before before, $load_after after. $runs run(s) per configuration; medians.

| Run | Wall time | ÷ plain | Passed | Starved | CPU seconds of all processes ÷ $cpus | Most CPUs held at once |
|---|---:|---:|---:|---:|---:|---:|
EOF
row() {   # BUILD CONFIG LABEL BASE
  local build="$1" config="$2" wall passed starved="—" held="—"
  wall="$(stat "$build" "$config" .wall)"
  passed="$(jq -n "$(stat "$build" "$config" .tests) - $(stat "$build" "$config" .failed)") / $(stat "$build" "$config" .tests)"
  if [ "$build" = mmtest ]; then
    starved="$(stat "$build" "$config" .starved)"
    held="$(fmt '%.1f' "$(stat "$build" "$config" .most_cpus_held)")"
  fi
  echo "| $3 | $(fmt '%.2f s' "$wall") | $(fmt '%.2fx' "$(jq -n "$wall / $4")") | $passed | $starved | \
$(fmt '%.2f s' "$(jq -n "$(stat "$build" "$config" .all_cpu_seconds) / $cpus")") | $held |"
}
row plain plain "plain CTest" "$base"
for config in first second third fourth; do row mmtest "$config" "mmtest, $config run" "$base"; done
if [ -n "$overcommit" ]; then
  echo
  echo "mmtest as learned by then, with \`MMTEST_CPU_OVERCOMMIT\` set (the fourth run above is the default, 30):"
  echo
  echo "| Run | Wall time | ÷ plain | Passed | Starved | CPU seconds of all processes ÷ $cpus | Most CPUs held at once |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  for value in ${overcommit//,/ }; do row mmtest "overcommit-$value" "mmtest, overcommit $value %" "$base"; done
fi
if [ -n "$without" ]; then
  base_without="$(stat plain plain-without .wall)"
  echo
  echo "Without the tests \`$without\` matches (\`ctest -E\`), mmtest as learned by then:"
  echo
  echo "| Run | Wall time | ÷ plain | Passed | Starved | CPU seconds of all processes ÷ $cpus | Most CPUs held at once |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  row plain plain-without "plain CTest" "$base_without"
  row mmtest mmtest-without "mmtest" "$base_without"
fi
echo
echo "Tests of a tenth of a second or more that held other than one CPU on the last fourth run (what they held, used"
echo "on average, their wall time):"
echo
jq -r '.[] | select(.cpus_reserved != null and .cpus_reserved != 1 and .cpus_reserved != 0 and .wall_seconds >= 0.1)
  | "- `\(.name)`: held \(.cpus_reserved), used \((.cpu_seconds / .wall_seconds * 100 | round) / 100), \((.wall_seconds * 100 | round) / 100) s"' \
  "$work/runs/mmtest.fourth.$runs.json.records"
echo
echo "The learned line of that run:"
echo
sed -n 's/^mmtest: \(CPU demand of .*\)$/> \1/p' "$work/runs/mmtest.fourth.$runs.log"
