#!/usr/bin/env bash
# shellcheck disable=SC2016  # $names in single quotes are jq variables, not shell expansions
# Makespan of a memory-bound suite: how close `ctest -j N` under mmtest's memory budget comes to
# the lower bound max(Σ MiB × seconds / budget, longest test) (issue 3 target: at most 1.15x),
# and whether the memory held at once ever exceeded the budget; beside plain add_test() with
# `ctest -j N` and with `ctest -j1`. Prints a markdown report (the "Makespan" section of
# docs/performance.md is this output).
#
#   bench/makespan.sh [--prefix DIR] [--budget SIZE] [--jobs N] [--cpu-budget N] [--runs N]
#                     [--no-second-run] [--search-orders] [--memory-scale F] [--quick] [--keep]
#
#   --prefix DIR       use mmtest installed in DIR (as by `cmake --install`) instead of building
#                      and installing this source tree (Release, -DMMTEST_BUILD_TESTS=OFF) into
#                      the working directory first
#   --budget SIZE      MMTEST_MEMORY_BUDGET of the mmtest runs, in M or G (default 2G)
#   --jobs N           the -j of the parallel runs (default 16: more than can ever fit)
#   --cpu-budget N     MMTEST_CPU_BUDGET of the mmtest runs (default: the --jobs value). The tests
#                      sleep, so memory alone limits them unless this is set lower; each mmtest test
#                      takes one CPU of it, and the lower bound becomes
#                      max(Σ MiB × s / budget, Σ s / CPU budget, longest test)
#   --runs N           repetitions of each configuration; the report quotes medians (default 3)
#   --no-second-run    skip the one mmtest run that keeps the records and cost data of the run
#                      before (`mmtest plan` then orders the tests by their measured durations)
#   --search-orders    also simulate CTest's scheduling for all 8! orders of the heavy tests
#                      (light tests after them) and print how the makespans spread (~1 min of CPU)
#   --memory-scale F   multiply every test's MiB and the budget by F (e.g. 0.5 on a small machine)
#   --quick            1 run per configuration, durations divided by 4, no second run: checks
#                      the script itself (the figures are not meaningful)
#   --keep             keep the working directory: fixture, build trees, logs, per-run figures
#
# The fixture project (generated in a temporary directory) builds `holder`, a tiny C++ program
# that allocates and touches (MiB - 8) MiB, sleeps until SECONDS after its own start, and writes
# a JSON line with its start and end (CLOCK_REALTIME), its MiB and its own ru_maxrss. It declares
# 24 light tests (32-64 MiB, 1-2 s) and 8 heavy tests (600-900 MiB, 3-6 s), once with
# add_mm_test(... MEMORY <MiB>M LABELS unit|integration) found with find_package(mmtest), once
# more with a TIMEOUT of twice each test's duration (rounded up) declared as well, and once with
# plain add_test(). The configurations run in turn, once per repetition: mmtest `ctest -j N`
# (without, then with the declared timeouts), plain `ctest -j N`, plain `ctest -j1`. Every one of
# those runs starts without history: CTest's cost data (Testing/Temporary/CTestCostData.txt,
# LastTestsFailed.log) and mmtest's records are deleted first, so each is a "first" run. After
# the first mmtest run, one more mmtest run keeps the records and cost data that run wrote (a
# "second run").
#
# The lower bound of a run uses the durations its tests logged (start to end of the program);
# wall times are `ctest`'s, start to exit. Memory held at once is the maximum, over time, of the
# sum over running tests of: the declared MiB; the program's own ru_maxrss; for mmtest, the
# record's peak_memory_bytes of the test's tree. The last two are upper bounds: each counts a
# test's peak for the whole of its [start, end] interval.
#
# Needs bash, cmake/ctest >= 3.25, a C++ compiler, jq; ninja if present. No python. About 6
# minutes on an idle 2-CPU machine, of which about 35 s build and install mmtest (skip with
# --prefix) and 3.6 minutes are the three `ctest -j1` runs; --search-orders adds about 50 s.
set -euo pipefail

source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
invocation="bench/makespan.sh${*:+ $*}"
prefix=""
budget="2G"
jobs=16
cpu_budget=""
runs=3
second_run=1
search_orders=0
memory_scale=1
time_scale=1
keep=0

usage() { sed -n '3,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; }
fail() { echo "makespan.sh: $*" >&2; exit 2; }
progress() { echo "makespan.sh: $*" >&2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
    --prefix=*) prefix="${1#*=}"; shift ;;
    --budget) budget="${2:?--budget needs a size like 2G}"; shift 2 ;;
    --budget=*) budget="${1#*=}"; shift ;;
    --jobs) jobs="${2:?--jobs needs a number}"; shift 2 ;;
    --jobs=*) jobs="${1#*=}"; shift ;;
    --cpu-budget) cpu_budget="${2:?--cpu-budget needs a number}"; shift 2 ;;
    --cpu-budget=*) cpu_budget="${1#*=}"; shift ;;
    --runs) runs="${2:?--runs needs a number}"; shift 2 ;;
    --runs=*) runs="${1#*=}"; shift ;;
    --no-second-run) second_run=0; shift ;;
    --search-orders) search_orders=1; shift ;;
    --memory-scale) memory_scale="${2:?--memory-scale needs a factor}"; shift 2 ;;
    --memory-scale=*) memory_scale="${1#*=}"; shift ;;
    --quick) runs=1 time_scale=0.25 second_run=0; shift ;;
    --keep) keep=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) fail "unknown argument '$1' (see --help)" ;;
  esac
done
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || fail "--jobs: expected a positive integer, got '$jobs'"
cpu_budget="${cpu_budget:-$jobs}"
[[ "$cpu_budget" =~ ^[1-9][0-9]*$ ]] || fail "--cpu-budget: expected a positive integer, got '$cpu_budget'"
# Each mmtest test takes one CPU of the budget: for mmtest, the CPUs act as -j slots do.
mmtest_slots=$((cpu_budget < jobs ? cpu_budget : jobs))
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || fail "--runs: expected a positive integer, got '$runs'"
[[ "$memory_scale" =~ ^[0-9]*\.?[0-9]+$ ]] || fail "--memory-scale: expected a positive number, got '$memory_scale'"
for tool in cmake ctest jq; do
  command -v "$tool" >/dev/null 2>&1 || fail "'$tool' is required (Debian 12: apt-get install cmake jq g++)"
done
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
if [ -n "$prefix" ]; then
  case "$prefix" in /*) ;; *) prefix="$PWD/$prefix" ;; esac
  [ -f "$prefix/lib/cmake/mmtest/mmtestConfig.cmake" ] || fail "no mmtest install in $prefix (lib/cmake/mmtest/mmtestConfig.cmake)"
fi

calc() { jq -n "$1"; }
# shellcheck disable=SC2059  # the format is the argument
fmt() { LC_ALL=C printf "$1" "$2"; }

# The budget in MiB, rounded down as mmtest does; the environment variable gets plain MiB.
case "$budget" in
  *[Gg]*) budget_mib="$(calc "${budget%%[Gg]*} * 1024 | floor")" ;;
  *[Mm]*) budget_mib="$(calc "${budget%%[Mm]*} | floor")" ;;
  *) fail "--budget: expected a size in M or G like 2G or 1500M, got '$budget'" ;;
esac
budget_mib="$(calc "$budget_mib * $memory_scale | floor")"
[ "$budget_mib" -gt 0 ] || fail "--budget: the budget must be at least 1 MiB"

work="$(mktemp -d "${TMPDIR:-/tmp}/mmtest-makespan.XXXXXX")"
cleanup() { if [ "$keep" -eq 1 ]; then echo "makespan.sh: kept $work" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the scenario -------------------------------------------------------------------------------
# name MiB seconds label, in declaration order: three light tests, then a heavy one, and so on.
heavy_mib=(900 860 820 780 740 700 650 600)
heavy_seconds=(3 6 4 5 6 3 5 4)
: >"$work/scenario.txt"
for i in $(seq 0 23); do
  mib="$(calc "(32 + 8 * ($i % 5)) * $memory_scale | floor")"
  seconds="$(calc "(1 + 0.5 * ($i % 3)) * $time_scale")"
  echo "light_$((i + 1)) $mib $seconds unit" >>"$work/scenario.txt"
  if [ $((i % 3)) -eq 2 ]; then
    h=$((i / 3))
    echo "heavy_$((h + 1)) $(calc "${heavy_mib[$h]} * $memory_scale | floor") $(calc "${heavy_seconds[$h]} * $time_scale") integration" \
      >>"$work/scenario.txt"
  fi
done
# One JSON object per test: {name, mib, seconds, label}.
jq -R 'split(" ") | {name: .[0], mib: (.[1] | tonumber), seconds: (.[2] | tonumber), label: .[3]}' \
  "$work/scenario.txt" | jq -s . >"$work/scenario.json"
jq -e 'all(.[]; .mib > 8)' "$work/scenario.json" >/dev/null || fail "--memory-scale $memory_scale leaves a test at 8 MiB or less"

# ---- the fixture project ------------------------------------------------------------------------
fixture="$work/fixture"
mkdir -p "$fixture"
cat >"$fixture/holder.cpp" <<'EOF'
// holder LOG NAME MIB TOUCH_MIB SECONDS: touch TOUCH_MIB MiB, hold it until SECONDS after the start,
// then write one JSON line to LOG: start, touched and end times (CLOCK_REALTIME), MiB, own max RSS.
#include <sys/resource.h>
#include <time.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

static double seconds_of(const timespec& ts) { return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9; }
static timespec now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts;
}

int main(int argc, char** argv) {
  const timespec start = now();
  if (argc != 6) {
    std::fprintf(stderr, "usage: holder LOG NAME MIB TOUCH_MIB SECONDS\n");
    return 2;
  }
  const long mib = std::atol(argv[3]);
  const std::size_t bytes = static_cast<std::size_t>(std::atol(argv[4])) << 20;
  const double hold = std::atof(argv[5]);
  volatile char* block = static_cast<char*>(std::malloc(bytes > 0 ? bytes : 1));
  if (block == nullptr) return 3;
  for (std::size_t offset = 0; offset < bytes; offset += 4096) block[offset] = 1;
  const timespec touched = now();

  const long long until_ns = static_cast<long long>(start.tv_nsec) + static_cast<long long>(hold * 1e9);
  timespec until{};
  until.tv_sec = start.tv_sec + static_cast<time_t>(until_ns / 1000000000LL);
  until.tv_nsec = static_cast<long>(until_ns % 1000000000LL);
  while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &until, nullptr) == EINTR) {
  }
  const timespec end = now();

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::FILE* log = std::fopen(argv[1], "w");
  if (log == nullptr) return 4;
  std::fprintf(log,
               "{\"name\":\"%s\",\"mib\":%ld,\"touch_mib\":%s,\"start\":%.6f,\"touched\":%.6f,\"end\":%.6f,"
               "\"max_rss_kib\":%ld}\n",
               argv[2], mib, argv[4], seconds_of(start), seconds_of(touched), seconds_of(end), usage.ru_maxrss);
  std::printf("%s held %s MiB for %.3f s\n", argv[2], argv[4], seconds_of(end) - seconds_of(start));
  return std::fclose(log) == 0 ? 0 : 4;
}
EOF
cat >"$fixture/CMakeLists.txt" <<'EOF'
# Generated by bench/makespan.sh. MAKESPAN_MODE=mmtest: add_mm_test() from find_package(mmtest);
# MAKESPAN_MODE=plain: the same commands with add_test().
cmake_minimum_required(VERSION 3.25)
project(makespan_fixture CXX)
set(MAKESPAN_MODE mmtest CACHE STRING "mmtest or plain")
option(MAKESPAN_TIMEOUTS "mmtest: declare TIMEOUT = 2 x the test's duration, rounded up" OFF)
enable_testing()
add_executable(holder holder.cpp)
target_compile_features(holder PRIVATE cxx_std_17)
if(MAKESPAN_MODE STREQUAL "mmtest")
  find_package(mmtest CONFIG REQUIRED)
endif()
set(log_dir "${CMAKE_BINARY_DIR}/intervals")
# The test touches 8 MiB less than it declares: the program's own pages (libc, stack) fit too.
function(holder_test name mib seconds label twice_seconds)
  math(EXPR touch_mib "${mib} - 8")
  set(command holder "${log_dir}/${name}.json" "${name}" ${mib} ${touch_mib} ${seconds})
  if(MAKESPAN_MODE STREQUAL "mmtest")
    set(timeout "")
    if(MAKESPAN_TIMEOUTS)
      set(timeout TIMEOUT ${twice_seconds})
    endif()
    add_mm_test(NAME ${name} COMMAND ${command} MEMORY ${mib}M LABELS ${label} ${timeout})
  else()
    add_test(NAME ${name} COMMAND ${command})
    set_tests_properties(${name} PROPERTIES LABELS ${label})
  endif()
endfunction()
include("${CMAKE_CURRENT_SOURCE_DIR}/tests.cmake")
EOF
# The last argument is 2 x the duration rounded up, the TIMEOUT the mmtest-timeouts build declares.
awk '{ t = 2 * $3; w = int(t); if (w < t) w++; printf "holder_test(%s %s %s %s %d)\n", $1, $2, $3, $4, w }' \
  "$work/scenario.txt" >"$fixture/tests.cmake"

# ---- mmtest install, fixture builds -------------------------------------------------------------
if [ -z "$prefix" ]; then
  progress "building and installing mmtest from $source_dir (Release, MMTEST_BUILD_TESTS=OFF)"
  prefix="$work/prefix"
  cmake -S "$source_dir" -B "$work/mmtest-build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DMMTEST_BUILD_TESTS=OFF >"$work/mmtest-build.log" 2>&1 || { cat "$work/mmtest-build.log" >&2; exit 1; }
  cmake --build "$work/mmtest-build" >>"$work/mmtest-build.log" 2>&1 || { cat "$work/mmtest-build.log" >&2; exit 1; }
  cmake --install "$work/mmtest-build" --prefix "$prefix" >>"$work/mmtest-build.log" 2>&1 ||
    { cat "$work/mmtest-build.log" >&2; exit 1; }
fi
progress "configuring and building the fixture (mmtest, mmtest with timeouts, plain)"
for mode in mmtest mmtest-timeouts plain; do
  timeouts=OFF
  if [ "$mode" = mmtest-timeouts ]; then timeouts=ON; fi
  cmake -S "$fixture" -B "$work/$mode" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DMAKESPAN_MODE="${mode%-timeouts}" \
    -DMAKESPAN_TIMEOUTS="$timeouts" -DCMAKE_PREFIX_PATH="$prefix" >"$work/$mode.configure.log" 2>&1 ||
    { cat "$work/$mode.configure.log" >&2; exit 1; }
  cmake --build "$work/$mode" >"$work/$mode.build.log" 2>&1 || { cat "$work/$mode.build.log" >&2; exit 1; }
done
# The order mmtest plans for a first run, as CTest will sort it: `ctest -N` runs the hook, whose
# `mmtest plan` writes each test's cost into CTest's cost file (read back, then deleted).
for mode in mmtest mmtest-timeouts; do
  rm -rf "$work/$mode/mmtest-results" "$work/$mode/Testing/Temporary/CTestCostData.txt"
  (cd "$work/$mode" && MMTEST_MEMORY_BUDGET="${budget_mib}M" MMTEST_CPU_BUDGET="$cpu_budget" ctest -N) >"$work/$mode.plan.log" 2>&1 ||
    { cat "$work/$mode.plan.log" >&2; fail "ctest -N failed in $work/$mode"; }
  sed -n '/^---$/q; p' "$work/$mode/Testing/Temporary/CTestCostData.txt" |
    jq -R 'split(" ") | {name: .[0], cost: (.[2] | tonumber)}' | jq -s 'sort_by(-.cost) | map({name})' \
    >"$work/$mode.order.json"
  rm -f "$work/$mode/Testing/Temporary/CTestCostData.txt"
  jq -e 'length == 32' "$work/$mode.order.json" >/dev/null ||
    fail "mmtest plan gave $(jq length "$work/$mode.order.json") costs in $work/$mode, expected 32"
done

# ---- runs ---------------------------------------------------------------------------------------
# run_config CONFIG REP: one ctest run; intervals, records and figures go to $work/runs/CONFIG.REP.
mkdir -p "$work/runs"
run_config() {
  local config="$1" rep="$2" build keep_history=0 status=0 t0 t1 out
  local -a command environment=()
  case "$config" in
    mmtest) build="$work/mmtest" command=(ctest -j "$jobs") environment=(MMTEST_MEMORY_BUDGET="${budget_mib}M" MMTEST_CPU_BUDGET="$cpu_budget") ;;
    mmtest-second) build="$work/mmtest" command=(ctest -j "$jobs") environment=(MMTEST_MEMORY_BUDGET="${budget_mib}M" MMTEST_CPU_BUDGET="$cpu_budget") keep_history=1 ;;
    mmtest-timeouts) build="$work/mmtest-timeouts" command=(ctest -j "$jobs") environment=(MMTEST_MEMORY_BUDGET="${budget_mib}M" MMTEST_CPU_BUDGET="$cpu_budget") ;;
    plain) build="$work/plain" command=(ctest -j "$jobs") ;;
    serial) build="$work/plain" command=(ctest -j1) ;;
  esac
  out="$work/runs/$config.$rep"
  mkdir -p "$out"
  rm -rf "$build/intervals"
  mkdir -p "$build/intervals"
  if [ "$keep_history" -eq 0 ]; then
    rm -rf "$build/mmtest-results"
    rm -f "$build/Testing/Temporary/CTestCostData.txt" "$build/Testing/Temporary/LastTestsFailed.log"
  fi
  [ ! -f "$build/Testing/Temporary/CTestCostData.txt" ] || cp "$build/Testing/Temporary/CTestCostData.txt" "$out/cost-before.txt"
  progress "run $rep/$runs: $config (${command[*]})"
  t0="$EPOCHREALTIME"
  (cd "$build" && env "${environment[@]}" "${command[@]}") >"$out/ctest.log" 2>&1 || status=$?
  t1="$EPOCHREALTIME"
  if [ "$status" -ne 0 ]; then
    cat "$out/ctest.log" >&2
    fail "$config run $rep: ctest exited $status"
  fi
  cat "$build"/intervals/*.json | jq -s . >"$out/intervals.json"
  # The order in which CTest started the tests, from its "Start <n>: <name>" lines.
  sed -n 's/^ *Start *[0-9]*: //p' "$out/ctest.log" | jq -R . | jq -s . >"$out/ctest-order.json"
  jq -e 'length == 32' "$out/intervals.json" >/dev/null || fail "$config run $rep: $(jq length "$out/intervals.json") tests logged, expected 32"
  if [ -d "$build/mmtest-results" ]; then
    jq -s 'map({key: .name, value: .peak_memory_bytes}) | from_entries' "$build"/mmtest-results/*.json >"$out/peaks.json"
  else
    echo '{}' >"$out/peaks.json"
  fi
  # Figures of the run. Memory held at once is a sweep over the tests' [start, end] intervals,
  # ends before starts at the same instant: declared MiB, the program's own max RSS, and (mmtest)
  # the record's peak_memory_bytes of its whole tree; the last two are upper bounds, since each
  # counts a test's peak for all of its interval.
  jq --argjson t0 "$t0" --argjson t1 "$t1" --argjson budget "$budget_mib" --argjson cpus "$cpu_budget" \
    --slurpfile peaks "$out/peaks.json" \
    --arg config "$config" --argjson rep "$rep" '
    def events(f): [ .[] | {t: .start, d: f}, {t: .end, d: (0 - f)} ] | sort_by(.t, .d);
    def held(f): events(f) | reduce .[] as $e ({now: 0, max: 0}; .now += $e.d | .max = ([.max, .now] | max)) | .max;
    # Seconds, between the first start and the last end, during which less than $limit was held.
    def below($limit): events(.mib)
      | reduce .[] as $e ({now: 0, last: null, sum: 0};
          (if .last != null and .now < $limit then .sum += ($e.t - .last) else . end)
          | .now += $e.d | .last = $e.t) | .sum;
    ($peaks[0]) as $p
    | map(. + {duration: (.end - .start), heavy: (.name | startswith("heavy"))}) as $tests
    | ($tests | map(.mib * .duration) | add) as $area
    | ($tests | map(.duration) | max) as $longest
    | {config: $config, rep: $rep, wall: ($t1 - $t0),
       area_mib_s: $area, longest: $longest,
       bound: ([$area / $budget, ($tests | map(.duration) | add) / $cpus, $longest] | max),
       peak_declared_mib: ($tests | held(.mib)),
       peak_rss_mib: ($tests | held(.max_rss_kib / 1024)),
       peak_record_mib: (if ($p | length) > 0 then ($tests | held(($p[.name] // 0) / 1048576)) else null end),
       most_tests: ($tests | held(1)),
       most_heavy: ($tests | held(if .heavy then 1 else 0 end)),
       head: (($tests | map(.start) | min) - $t0),
       tail: ($t1 - ($tests | map(.end) | max)),
       span: (($tests | map(.end) | max) - ($tests | map(.start) | min)),
       below_half: ($tests | below($budget / 2)),
       start_order: ($tests | sort_by(.start) | map(.name))}
    | . + {ratio: (.wall / .bound), utilisation: (.area_mib_s / ($budget * .wall))}' "$out/intervals.json" \
    >"$out/figures.json"
  jq --slurpfile order "$out/ctest-order.json" '. + {ctest_order: $order[0]}' "$out/figures.json" >"$out/figures.tmp"
  mv "$out/figures.tmp" "$out/figures.json"
}

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
started_at="$(date -u '+%Y-%m-%d %H:%M UTC')"
for rep in $(seq 1 "$runs"); do
  run_config mmtest "$rep"
  if [ "$second_run" -eq 1 ] && [ "$rep" -eq 1 ]; then run_config mmtest-second "$rep"; fi
  run_config mmtest-timeouts "$rep"
  run_config plain "$rep"
  run_config serial "$rep"
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
jq -s . "$work"/runs/*/figures.json >"$work/figures.json"

# ---- simulation: CTest's greedy first-fit, no overhead ------------------------------------------
# Tests in the given order; at the start and whenever tests end, walk the list and start each
# test that fits the free memory and a free -j slot, skipping those that do not, as CTest's
# StartNextTests does. Durations are the declared ones; starting a test costs nothing.
jq_simulate='def simulate($budget; $jobs):
  {t: 0, pending: ., running: [], free: $budget, slots: $jobs}
  | until((.pending | length) == 0 and (.running | length) == 0;
      . as $s
      | reduce $s.pending[] as $x ({pending: [], running: $s.running, free: $s.free, slots: $s.slots};
          if $x.mib <= .free and .slots >= 1
          then .free -= $x.mib | .slots -= 1 | .running += [{end: ($s.t + $x.seconds), mib: $x.mib}]
          else .pending += [$x] end)
      | (.running | map(.end) | min) as $next
      | . + {t: $next}
      | .free += ([.running[] | select(.end <= $next) | .mib] | add // 0)
      | .slots += ([.running[] | select(.end <= $next)] | length)
      | .running |= map(select(.end > $next)))
  | .t;'
simulated() {   # ORDER-JSON-FILE (an array of {name}): makespan in seconds in that order
  jq -n --slurpfile order "$1" --slurpfile scenario "$work/scenario.json" \
    --argjson budget "$budget_mib" --argjson jobs "$mmtest_slots" "$jq_simulate"'
    ($scenario[0] | map({key: .name, value: .}) | from_entries) as $by_name
    | [$order[0][] | $by_name[.name]] | simulate($budget; $jobs)'
}
simulated "$work/mmtest.order.json" >"$work/sim.cost.txt"
simulated "$work/mmtest-timeouts.order.json" >"$work/sim.timeouts.txt"
jq 'sort_by(-(.mib * .seconds)) | map({name})' "$work/scenario.json" >"$work/order.area.json"
simulated "$work/order.area.json" >"$work/sim.area.txt"
jq 'map({name})' "$work/scenario.json" >"$work/order.declared.json"
simulated "$work/order.declared.json" >"$work/sim.declared.txt"
if [ "$search_orders" -eq 1 ]; then
  progress "simulating all orders of the heavy tests"
  # Every permutation of the heavy tests, then the light tests by decreasing MiB x seconds:
  # [{makespan, count, example}], and the same for mmtest's own order of the heavy tests.
  jq "$jq_simulate"'
    def permutations: if length <= 1 then . else .[] as $x | (map(select(. != $x)) | permutations) as $rest | [$x] + $rest end;
    (map(select(.label == "integration"))) as $heavy
    | (map(select(.label != "integration")) | sort_by(-(.mib * .seconds))) as $light
    | [$heavy | permutations | {makespan: (. + $light | simulate('"$budget_mib"'; '"$mmtest_slots"')), example: map("\(.mib)/\(.seconds)")}]
    | group_by(.makespan) | map({makespan: .[0].makespan, count: length, example: .[0].example})' \
    "$work/scenario.json" >"$work/search.json"
fi

# ---- report -------------------------------------------------------------------------------------
jq_stats='def median: sort | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor]
          else (.[length / 2 - 1] + .[length / 2]) / 2 end;'
stat() {   # CONFIG EXPRESSION [median|min|max]; CONFIG "mmtest*": every mmtest configuration
  local select=".config == \"$1\""
  if [ "$1" = "mmtest*" ]; then select='(.config | startswith("mmtest"))'; fi
  jq "$jq_stats [.[] | select($select) | $2] | ${3:-median}" "$work/figures.json"
}
nominal_area="$(jq 'map(.mib * .seconds) | add' "$work/scenario.json")"
nominal_longest="$(jq 'map(.seconds) | max' "$work/scenario.json")"
nominal_seconds="$(jq 'map(.seconds) | add' "$work/scenario.json")"
nominal_bound="$(calc "[$nominal_area / $budget_mib, $nominal_seconds / $cpu_budget, $nominal_longest] | max")"
light_count="$(jq '[.[] | select(.label == "unit")] | length' "$work/scenario.json")"
heavy_count="$(jq '[.[] | select(.label == "integration")] | length' "$work/scenario.json")"
range_of() { jq -r --arg lab "$1" --arg field "$2" '[.[] | select(.label == $lab) | .[$field]] | "\(min)–\(max)"' "$work/scenario.json"; }
runs_of() { jq --arg config "$1" '[.[] | select(.config == $config)] | length' "$work/figures.json"; }
seconds_cell() {
  if [ "$(runs_of "$1")" -eq 1 ]; then fmt '%.2f s (1 run)' "$(stat "$1" .wall)"; return; fi
  echo "$(fmt '%.2f s' "$(stat "$1" .wall)") ($(fmt '%.2f' "$(stat "$1" .wall min)")–$(fmt '%.2f' "$(stat "$1" .wall max)"))"
}
mib_cell() { fmt '%.0f MiB' "$(stat "$1" "$2" "${3:-max}")"; }
config_row() {   # CONFIG LABEL
  local record=""
  if [ "$(stat "$1" .peak_record_mib max)" != "null" ]; then record="; $(mib_cell "$1" .peak_record_mib) by the records"; fi
  echo "| $2 | $(seconds_cell "$1") | $(fmt '%.2fx' "$(stat "$1" .ratio)") | $(mib_cell "$1" .peak_declared_mib) | $(mib_cell "$1" .peak_rss_mib)$record | $(stat "$1" .most_tests max) / $(stat "$1" .most_heavy max) |"
}
mm_wall="$(stat mmtest .wall)"
mm_ratio="$(stat mmtest .ratio)"
mm_peak_declared="$(stat 'mmtest*' .peak_declared_mib max)"
mm_peak_rss="$(stat 'mmtest*' .peak_rss_mib max)"
mm_peak_record="$(stat 'mmtest*' .peak_record_mib max)"
sim_cost="$(cat "$work/sim.cost.txt")"
sim_timeouts="$(cat "$work/sim.timeouts.txt")"
sim_area="$(cat "$work/sim.area.txt")"
sim_declared="$(cat "$work/sim.declared.txt")"
verdict() { if [ "$(calc "$1")" = "true" ]; then echo "met"; else echo "**missed**"; fi; }
times_bound() { fmt '%.2fx' "$(calc "$1 / $nominal_bound")"; }

cat <<EOF
Command: \`$invocation\`, $started_at.

Machine: $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), \
$(free -h | awk '/^Mem:/ { print $2 }') RAM, Linux $(uname -r), $(ctest --version | head -n 1). \
Load average (1, 5, 15 min): $load_before before, $load_after after.

Scenario: $light_count light tests ($(range_of unit mib) MiB, $(range_of unit seconds) s, \`LABELS unit\`) and \
$heavy_count heavy tests ($(range_of integration mib) MiB, $(range_of integration seconds) s, \`LABELS integration\`); \
Σ MiB × s = $(fmt '%.0f' "$nominal_area"); Σ s = $(fmt '%.1f' "$nominal_seconds"); budget $budget_mib MiB and $cpu_budget CPUs \
(one per mmtest test); \`-j $jobs\`; $runs run(s) per configuration.
Lower bound max(Σ MiB × s / budget, Σ s / CPUs, longest test) = max($(fmt '%.2f' "$(calc "$nominal_area / $budget_mib")") s, \
$(fmt '%.2f' "$(calc "$nominal_seconds / $cpu_budget")") s, \
$(fmt '%.2f' "$nominal_longest") s) = **$(fmt '%.2f s' "$nominal_bound")** with the declared durations; \
each run's ratio uses the durations its tests logged (median bound of the mmtest runs: $(fmt '%.3f s' "$(stat mmtest .bound)")).

| Configuration | Wall time, median (min–max) | ÷ lower bound | Declared MiB held at once, max | RSS held at once, max (upper bound) | Most tests / heavy tests at once |
|---|---:|---:|---:|---:|---:|
EOF
config_row mmtest "mmtest, \`MMTEST_MEMORY_BUDGET=${budget_mib}M MMTEST_CPU_BUDGET=$cpu_budget ctest -j $jobs\`"
if [ "$second_run" -eq 1 ]; then
  config_row mmtest-second "same, second run (records of the run before kept)"
fi
config_row mmtest-timeouts "mmtest, \`TIMEOUT\` 2 × duration declared, \`ctest -j $jobs\`"
config_row plain "plain \`add_test\`, \`ctest -j $jobs\`"
config_row serial "plain \`add_test\`, \`ctest -j1\`"

cat <<EOF

- Target, mmtest's wall time at most 1.15x the lower bound: first run $(fmt '%.2fx' "$mm_ratio") at the median, $(verdict "$mm_ratio <= 1.15"); \
first run with timeouts declared $(fmt '%.2fx' "$(stat mmtest-timeouts .ratio)"), $(verdict "$(stat mmtest-timeouts .ratio) <= 1.15")$(
  if [ "$second_run" -eq 1 ]; then echo "; second run $(fmt '%.2fx' "$(stat mmtest-second .ratio)"), $(verdict "$(stat mmtest-second .ratio) <= 1.15")"; fi).
- Target, memory held at once never above the budget ($budget_mib MiB), over all mmtest runs: declared at most \
$(fmt '%.0f' "$mm_peak_declared") MiB; RSS at most $(fmt '%.0f' "$mm_peak_rss") MiB by the programs' own ru_maxrss, \
$(fmt '%.0f' "$mm_peak_record") MiB by the records' peak_memory_bytes: $(verdict "$mm_peak_declared <= $budget_mib and $mm_peak_rss <= $budget_mib and $mm_peak_record <= $budget_mib").
- mmtest runs (medians): memory use $(fmt '%.0f%%' "$(calc "$(stat mmtest .utilisation) * 100")") of budget × wall time; \
less than half the budget held during $(fmt '%.2f s' "$(stat mmtest .below_half)") of the $(fmt '%.2f s' "$(stat mmtest .span)") \
between the first start and the last end; first test started $(fmt '%.0f ms' "$(calc "$(stat mmtest .head) * 1000")") \
after \`ctest\` did; \`ctest\` exited $(fmt '%.0f ms' "$(calc "$(stat mmtest .tail) * 1000")") after the last test ended.
- CTest's greedy first-fit simulated with the declared durations and no overhead: $(fmt '%.2f s' "$sim_cost") \
($(times_bound "$sim_cost")) in the order mmtest plan chose for a first run (durations: the label timeouts), so the measured run spent \
$(fmt '%.2f s' "$(calc "$mm_wall - $sim_cost")") over its simulation; $(fmt '%.2f s' "$sim_area") ($(times_bound "$sim_area")) \
in decreasing MiB × duration; $(fmt '%.2f s' "$sim_declared") ($(times_bound "$sim_declared")) in declaration order; \
$(fmt '%.2f s' "$sim_timeouts") ($(times_bound "$sim_timeouts")) in the order mmtest plan chose with the declared timeouts.
EOF
jq -r 'def two: (. * 100 | round) as $c | "\($c / 100 | floor).\($c % 100 | tostring | if length < 2 then "0" + . else . end)";
  (map(.start) | min) as $t0
  | "- Heavy tests of the first mmtest run, in start order, MiB and seconds after the first start: "
  + (map(select(.name | startswith("heavy"))) | sort_by(.start)
     | map("\(.name) \(.mib) MiB \(.start - $t0 | two)–\(.end - $t0 | two)") | join("; "))
  + "; the last light test ended at \([.[] | select(.name | startswith("heavy") | not) | .end - $t0] | max | two)."' \
  "$work/runs/mmtest.1/intervals.json"
if [ "$second_run" -eq 1 ]; then
  jq -r '(map(select(.config == "mmtest" and .rep == 1))[0]) as $first
    | (map(select(.config == "mmtest-second"))[0]) as $second
    | ($first.ctest_order | map(select(startswith("heavy")))) as $heavy_first
    | ($second.ctest_order | map(select(startswith("heavy")))) as $heavy_second
    | "- Second run against the first: the heavy tests started in "
      + (if $heavy_first == $heavy_second then "the same order" else "a different order" end)
      + " (" + ($heavy_second | join(", ")) + "); the whole start sequence "
      + (if $first.ctest_order == $second.ctest_order then "was identical." else "differed." end)' \
    "$work/figures.json"
fi
if [ "$search_orders" -eq 1 ]; then
  echo "- All $(jq 'map(.count) | add' "$work/search.json") orders of the heavy tests (light tests after them), simulated:"
  jq -r '.[] | "\(.makespan) \(.count) \(.example | join(" "))"' "$work/search.json" |
    while read -r makespan count example; do
      echo "  - $(fmt '%.2f s' "$makespan") ($(times_bound "$makespan")): $count orders, e.g. $example (MiB/seconds)"
    done
fi
