#!/usr/bin/env bash
# The failure mmtest was built for, measured: the memory of examples/global-registry's test
# program after N of its 308 tests, with the static registry (plain GoogleTest, and under mmtest's
# listener, which cannot isolate a registry the code does not take from it) and with the fix
# (mmtest::current_registry(), a registry per test). Prints a markdown report (the "Global
# registry" section of docs/performance.md is this output).
#
#   bench/seed-memory.sh [--prefix DIR] [--runs N] [--keep]
#
#   --prefix DIR   use mmtest installed in DIR (as by `cmake --install`) instead of building and
#                  installing this source tree (Release, -DMMTEST_BUILD_TESTS=OFF) first
#   --runs N       runs of each program at each N; the report quotes medians (default 3)
#   --keep         keep the working directory
#
# The programs are the example's own (examples/global-registry/README.md), built Release against
# the install:
#   leak_plain_tests   OrderManager registers in a static registry; GTest::gtest_main
#   leak_tests         the same code; mmtest::gtest_main (a registry per test, which it ignores)
#   fixed_tests        OrderManager registers in mmtest::current_registry(); mmtest::gtest_main
# "RSS after N tests" is the peak RSS of a run of the first N tests in GoogleTest's order (a
# --gtest_filter naming them), from the record of `mmtest-run --memory 4G` (the process's own
# ru_maxrss: one process, exact to the page). N = 0 runs no test: the program's own memory.
#
# Needs bash, cmake >= 3.25, a C++ compiler, GoogleTest (libgtest-dev), prometheus-cpp
# (prometheus-cpp-dev) and jq; ninja if present. About a minute on an idle 2-CPU machine, plus
# the builds.
set -euo pipefail

source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
invocation="bench/seed-memory.sh${*:+ $*}"
prefix=""
runs=3
keep=0

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; }
fail() { echo "seed-memory.sh: $*" >&2; exit 2; }
progress() { echo "seed-memory.sh: $*" >&2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
    --prefix=*) prefix="${1#*=}"; shift ;;
    --runs) runs="${2:?--runs needs a number}"; shift 2 ;;
    --runs=*) runs="${1#*=}"; shift ;;
    --keep) keep=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) fail "unknown argument '$1' (see --help)" ;;
  esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || fail "--runs: expected a positive integer, got '$runs'"
for tool in cmake jq; do
  command -v "$tool" >/dev/null 2>&1 ||
    fail "'$tool' is required (Debian 12: apt-get install cmake jq g++ libgtest-dev prometheus-cpp-dev)"
done
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
if [ -n "$prefix" ]; then
  case "$prefix" in /*) ;; *) prefix="$PWD/$prefix" ;; esac
  [ -f "$prefix/lib/cmake/mmtest/mmtestGTestTargets.cmake" ] ||
    fail "no mmtest install with its gtest component in $prefix (lib/cmake/mmtest/mmtestGTestTargets.cmake)"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/mmtest-seed-memory.XXXXXX")"
cleanup() { if [ "$keep" -eq 1 ]; then echo "seed-memory.sh: kept $work" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- mmtest install, the example's programs -----------------------------------------------------
if [ -z "$prefix" ]; then
  progress "building and installing mmtest from $source_dir (Release, MMTEST_BUILD_TESTS=OFF)"
  prefix="$work/prefix"
  { cmake -S "$source_dir" -B "$work/mmtest-build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DMMTEST_BUILD_TESTS=OFF \
      -DMMTEST_GTEST=ON && cmake --build "$work/mmtest-build" && cmake --install "$work/mmtest-build" --prefix "$prefix"; } \
    >"$work/mmtest-build.log" 2>&1 || { cat "$work/mmtest-build.log" >&2; exit 1; }
fi
programs=(leak_plain_tests leak_tests fixed_tests)
progress "building the example's programs (${programs[*]})"
{ cmake -S "$source_dir/examples" -B "$work/examples" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$prefix" && cmake --build "$work/examples" --target "${programs[@]}"; } \
  >"$work/examples-build.log" 2>&1 || { cat "$work/examples-build.log" >&2; exit 1; }
bin="$work/examples/global-registry"
launcher="$prefix/bin/mmtest-run"
[ -x "$launcher" ] || fail "no mmtest-run in $prefix/bin"

# The tests in GoogleTest's order: "Suite." lines, then "  Case  # GetParam() = ..." lines.
mapfile -t tests < <("$bin/leak_plain_tests" --gtest_list_tests | awk '/^[^ ]/ { suite = $1 } /^  / { print suite $1 }')
total="${#tests[@]}"
[ "$total" -gt 0 ] || fail "leak_plain_tests lists no tests"
points=(0 25 50 100 150 200 250 "$total")

# ---- runs ---------------------------------------------------------------------------------------
filter_of() {   # N: a --gtest_filter running the first N tests
  if [ "$1" -eq 0 ]; then echo "-*"; else (IFS=:; echo "${tests[*]:0:$1}"); fi
}
mkdir -p "$work/runs"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
started_at="$(date -u '+%Y-%m-%d %H:%M UTC')"
for rep in $(seq 1 "$runs"); do
  for n in "${points[@]}"; do
    progress "run $rep/$runs: the first $n tests"
    filter="$(filter_of "$n")"
    for program in "${programs[@]}"; do
      record="$work/runs/$program.$n.$rep.json"
      status=0
      "$launcher" --name "$program" --memory 4G --timeout 120 --result "$record" -- \
        "$bin/$program" "--gtest_filter=$filter" >"$work/runs/$program.$n.$rep.log" 2>&1 || status=$?
      [ "$status" -eq 0 ] || { cat "$work/runs/$program.$n.$rep.log" >&2; fail "$program, first $n tests: exit $status"; }
    done
  done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---- report -------------------------------------------------------------------------------------
median_of() {   # PROGRAM N FIELD: the median over the runs of a record field
  local files=()
  for rep in $(seq 1 "$runs"); do files+=("$work/runs/$1.$2.$rep.json"); done
  jq -s --arg field "$3" 'map(.[$field]) | sort | .[length / 2 | floor]' "${files[@]}"
}
mib() { LC_ALL=C printf '%.1f MiB' "$(jq -n "$1 / 1048576")"; }
per_test_kib() {   # PROGRAM: growth per test between the 50th and the last, in KiB
  LC_ALL=C printf '%.0f KiB' "$(jq -n "($(median_of "$1" "$total" peak_memory_bytes) - $(median_of "$1" 50 peak_memory_bytes)) / ($total - 50) / 1024")"
}

cat <<EOF
Command: \`$invocation\`, $started_at.

Machine: $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), \
$(free -h | awk '/^Mem:/ { print $2 }') RAM, Linux $(uname -r). Load average (1, 5, 15 min): $load_before before, \
$load_after after. $runs run(s) of each program at each N; medians.

| Tests run | plain GoogleTest, static registry | \`mmtest::gtest_main\`, static registry | \`mmtest::gtest_main\`, \`mmtest::current_registry()\` |
|---:|---:|---:|---:|
EOF
for n in "${points[@]}"; do
  echo "| $n | $(mib "$(median_of leak_plain_tests "$n" peak_memory_bytes)") | $(mib "$(median_of leak_tests "$n" peak_memory_bytes)") | \
$(mib "$(median_of fixed_tests "$n" peak_memory_bytes)") |"
done
echo "| growth per test, tests 51 to $total | $(per_test_kib leak_plain_tests) | $(per_test_kib leak_tests) | $(per_test_kib fixed_tests) |"
wall() { LC_ALL=C printf '%.2f s' "$(median_of "$1" "$total" wall_seconds)"; }
echo "| wall time of all $total tests (under mmtest-run) | $(wall leak_plain_tests) | $(wall leak_tests) | $(wall fixed_tests) |"
