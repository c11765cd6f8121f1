#!/usr/bin/env bash
# Learned CPU demand (issue 20): three suites, each run by real ctest on a first run (no history:
# every test holds the CPUs it declared, one) and a second run (each test holds what its first run
# was seen to use). Prints a markdown report (the "Learned CPU demand" section of
# docs/performance.md is this output).
#
#   bench/cpu-demand.sh [--prefix DIR] [--runs N] [--suites LIST] [--quick] [--keep]
#
#   --prefix DIR   use mmtest installed in DIR (as by `cmake --install`) instead of building and
#                  installing this source tree (Release, -DMMTEST_BUILD_TESTS=OFF) first
#   --runs N       repetitions of each configuration; the report quotes medians (default 3)
#   --suites LIST  the suites to run, comma-separated (default wait,cpu,mixed)
#   --quick        1 run, every size and time divided by 4: checks the script, not the machine
#   --keep         keep the working directory
#
# The fixture (generated in a temporary directory) builds two programs: `burn MS [THREADS]`, whose
# THREADS threads (default 1) each spend MS ms of CPU time, and `hold MIB MS`, which allocates and
# touches MIB MiB, then sleeps MS ms. Suites, every test an add_mm_test() found with
# find_package(mmtest):
#   wait   38 tests of `hold` from 40 MiB to 2.7 GiB (geometric), 2 s each, MEMORY a little above;
#          MMTEST_MEMORY_BUDGET=6G, `ctest -j 16`. Memory-bound and CPU-idle. The bound memory alone
#          sets is the larger of the sum over tests of MEMORY x wall time over the budget, and the
#          longest test; the report divides each run's wall time by it (target, second run: 1.2x
#          at most), and checks from the records that the MEMORY of the tests running at once
#          never exceeded the budget.
#   cpu    48 tests of `burn 650`, TIMEOUT 8: `ctest -j <CPUs>` against `ctest -j 64`, first and
#          second run (target: every test passes, at most 1.10x the wall time of -j <CPUs>).
#   mixed  like google/benchmark's suite: 40 short CPU-bound tests (`burn 150`), 10 that sleep
#          (`hold 8 1000`), 4 running two threads (`burn 800 2`) and 2 running four (`burn 400 4`);
#          `ctest -j 64` of the same tests as plain add_test() (no mmtest) against mmtest's first,
#          second and third run (target: the later runs no slower than plain, no failure, no
#          starved test).
# Figures: ctest's wall time; tests passed; records that say starved; for `wait`, the most tests at
# once and the most MEMORY at once. Every first run starts without history (history, records and
# CTest's cost data deleted); the second run (and the mixed suite's third) follows it in the same
# build tree.
#
# Needs bash, cmake/ctest >= 3.25, a C++ compiler, jq; ninja if present. About 14 minutes on an idle
# 2-CPU machine with 24 GiB (the wait suite holds up to 6 GiB).
set -euo pipefail

source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench_name=cpu-demand.sh
# shellcheck source=bench/lib.sh
source "$source_dir/bench/lib.sh"
invocation="bench/cpu-demand.sh${*:+ $*}"
prefix=""
runs=3
scale=1
keep=0
suites="wait,cpu,mixed"


while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
    --prefix=*) prefix="${1#*=}"; shift ;;
    --runs) runs="${2:?--runs needs a number}"; shift 2 ;;
    --runs=*) runs="${1#*=}"; shift ;;
    --suites) suites="${2:?--suites needs a list}"; shift 2 ;;
    --suites=*) suites="${1#*=}"; shift ;;
    --quick) runs=1 scale=4; shift ;;
    --keep) keep=1; shift ;;
    -h | --help) bench_usage; exit 0 ;;
    *) bench_fail "unknown argument '$1' (see --help)" ;;
  esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || bench_fail "--runs: expected a positive integer, got '$runs'"
[[ "$suites" =~ ^(wait|cpu|mixed)(,(wait|cpu|mixed))*$ ]] || bench_fail "--suites: expected wait, cpu and mixed, comma-separated, got '$suites'"
wants() { [[ ",$suites," == *",$1,"* ]]; }
bench_require cmake ctest jq
bench_generator
cpus="$(nproc)"
budget_mib=$((6144 / scale))

work="$(mktemp -d "${TMPDIR:-/tmp}/mmtest-cpu-demand.XXXXXX")"
cleanup() { if [ "$keep" -eq 1 ]; then echo "cpu-demand.sh: kept $work" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the fixture --------------------------------------------------------------------------------
fixture="$work/fixture"
mkdir -p "$fixture"
cat >"$fixture/burn.cpp" <<'EOF'
// burn MS [THREADS]: THREADS threads (default 1) each spend MS ms of CPU time at once; exit 0.
#include <time.h>

#include <cstdlib>
#include <thread>
#include <vector>

static double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

static void burn(double seconds) {
  const double until = thread_cpu_seconds() + seconds;
  volatile unsigned long spin = 0;
  while (thread_cpu_seconds() < until) {
    for (int i = 0; i < 10000; ++i) spin = spin + 1;
  }
}

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) return 2;
  const double seconds = std::atof(argv[1]) / 1000.0;
  const int threads = argc == 3 ? std::atoi(argv[2]) : 1;
  std::vector<std::thread> others;
  for (int i = 1; i < threads; ++i) others.emplace_back(burn, seconds);
  burn(seconds);
  for (std::thread& other : others) other.join();
  return 0;
}
EOF
cat >"$fixture/hold.cpp" <<'EOF'
// hold MIB MS: allocate and touch MIB MiB, sleep MS ms, exit 0.
#include <time.h>

#include <cstdlib>
#include <cstring>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  const std::size_t bytes = static_cast<std::size_t>(std::atol(argv[1])) << 20;
  std::vector<char> block(bytes);
  std::memset(block.data(), 1, bytes);
  const long ms = std::atol(argv[2]);
  timespec pause{ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&pause, nullptr);
  return block[bytes / 2] == 1 ? 0 : 1;
}
EOF
cat >"$fixture/CMakeLists.txt" <<EOF
# Generated by bench/cpu-demand.sh: SUITE wait, cpu or mixed; PLAIN=ON: add_test() without mmtest.
cmake_minimum_required(VERSION 3.25)
project(cpu_demand_fixture CXX)
enable_testing()
find_package(Threads REQUIRED)
add_executable(burn burn.cpp)
target_link_libraries(burn PRIVATE Threads::Threads)
add_executable(hold hold.cpp)
if(NOT PLAIN)
  find_package(mmtest CONFIG REQUIRED)
endif()
# one(<name> <memory> <timeout> <command>...)
function(one name memory timeout)
  if(PLAIN)
    add_test(NAME \${name} COMMAND \${ARGN})
    set_tests_properties(\${name} PROPERTIES TIMEOUT \${timeout})
  else()
    add_mm_test(NAME \${name} COMMAND \${ARGN} MEMORY \${memory} TIMEOUT \${timeout} LABELS unit)
  endif()
endfunction()
set(scale $scale)
if(SUITE STREQUAL "wait")
  # 40 MiB to 2765 MiB in 38 geometric steps (ratio 1.1212), each held 2 s.
  set(mib 40)
  foreach(i RANGE 1 38)
    math(EXPR size "\${mib} / \${scale}")
    math(EXPR memory "\${size} + \${size} / 16 + 24")
    math(EXPR hold_ms "2000 / \${scale}")
    one(wait_\${i} \${memory}M 120 hold \${size} \${hold_ms})
    math(EXPR mib "\${mib} * 11212 / 10000")
  endforeach()
elseif(SUITE STREQUAL "cpu")
  math(EXPR ms "650 / \${scale}")
  foreach(i RANGE 1 48)
    one(burn_\${i} 32M 8 burn \${ms})
  endforeach()
else()
  math(EXPR short "150 / \${scale}")
  math(EXPR sleep "1000 / \${scale}")
  math(EXPR two "800 / \${scale}")
  math(EXPR four "400 / \${scale}")
  foreach(i RANGE 1 40)
    one(short_\${i} 32M 60 burn \${short})
  endforeach()
  foreach(i RANGE 1 10)
    one(sleep_\${i} 32M 60 hold 8 \${sleep})
  endforeach()
  foreach(i RANGE 1 4)
    one(two_threads_\${i} 32M 60 burn \${two} 2)
  endforeach()
  foreach(i RANGE 1 2)
    one(four_threads_\${i} 32M 60 burn \${four} 4)
  endforeach()
endif()
EOF

# ---- mmtest install, fixture builds -------------------------------------------------------------
bench_mmtest_prefix "$work"
for build in wait cpu mixed mixed-plain; do
  suite="${build%-plain}"
  wants "$suite" || continue
  plain=OFF
  [ "$build" = mixed-plain ] && plain=ON
  bench_progress "configuring and building $build"
  { cmake -S "$fixture" -B "$work/$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DSUITE="$suite" -DPLAIN="$plain" \
      -DCMAKE_PREFIX_PATH="$prefix" && cmake --build "$work/$build"; } >"$work/$build.build.log" 2>&1 ||
    { cat "$work/$build.build.log" >&2; exit 1; }
done

# ---- runs ---------------------------------------------------------------------------------------
mkdir -p "$work/runs"
run_config() {   # BUILD CONFIG REP JOBS
  local build="$1" config="$2" rep="$3" jobs="$4" dir="$work/$1" out="$work/runs/$1.$2.$3" t0 t1 status=0
  mkdir -p "$out"
  if [ "$config" != second ] && [ "$config" != third ]; then
    # No history: what the first run of a fresh build tree does.
    rm -rf "$dir/mmtest-results" "$dir/mmtest/history.sqlite"
    rm -f "$dir/Testing/Temporary/CTestCostData.txt" "$dir/Testing/Temporary/LastTestsFailed.log"
  fi
  bench_progress "run $rep/$runs: $build, $config (-j $jobs)"
  t0="$EPOCHREALTIME"
  env MMTEST_MEMORY_BUDGET="${budget_mib}M" ctest --test-dir "$dir" -j "$jobs" >"$out/ctest.log" 2>&1 || status=$?
  t1="$EPOCHREALTIME"
  bench_run_figures "$dir/mmtest-results" "$out/figures.json" "$(jq -n "$t1 - $t0")" "$build" "$config" "$status" "$out/ctest.log"
}

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
started_at="$(date -u '+%Y-%m-%d %H:%M UTC')"
for rep in $(seq 1 "$runs"); do
  if wants wait; then
    run_config wait first "$rep" 16
    run_config wait second "$rep" 16
  fi
  if wants cpu; then
    run_config cpu "j$cpus" "$rep" "$cpus"
    run_config cpu first "$rep" 64
    run_config cpu second "$rep" 64
  fi
  if wants mixed; then
    run_config mixed-plain plain "$rep" 64
    run_config mixed first "$rep" 64
    run_config mixed second "$rep" 64
    run_config mixed third "$rep" 64
    # What supervision costs before any test starts: the hook reading the test list (ctest -N).
    start_ns="$(date +%s%N)"
    ctest --test-dir "$work/mixed" -N >/dev/null 2>&1
    echo "{\"build\": \"mixed\", \"config\": \"hook\", \"wall\": $(( ($(date +%s%N) - start_ns) / 1000 ))e-6}" \
      >"$work/runs/mixed.hook.$rep.json"
    start_ns="$(date +%s%N)"
    ctest --test-dir "$work/mixed-plain" -N >/dev/null 2>&1
    echo "{\"build\": \"mixed-plain\", \"config\": \"list\", \"wall\": $(( ($(date +%s%N) - start_ns) / 1000 ))e-6}" \
      >"$work/runs/mixed-plain.list.$rep.json"
  fi
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
jq -s . "$work"/runs/*/figures.json "$work"/runs/*.json 2>/dev/null >"$work/figures.json" ||
  jq -s . "$work"/runs/*/figures.json >"$work/figures.json"

# ---- report -------------------------------------------------------------------------------------
stat() {   # BUILD CONFIG EXPRESSION: the median over repetitions
  jq --arg build "$1" --arg config "$2" '
    def median: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
    [.[] | select(.build == $build and .config == $config) | '"$3"'] | median' "$work/figures.json"
}
fmt() { LC_ALL=C printf "$1" "$2"; }
ratio() { fmt '%.2fx' "$(jq -n "$1 / $2")"; }
passed() { echo "$(jq -n "$(stat "$1" "$2" .tests) - $(stat "$1" "$2" .failed)") / $(stat "$1" "$2" .tests)"; }

cat <<EOF
Command: \`$invocation\`, $started_at.

Machine: $cpus CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), \
$(free -h | awk '/^Mem:/ { print $2 }') RAM, Linux $(uname -r), $(ctest --version | head -n 1). \
Load average (1, 5, 15 min): $load_before before, $load_after after. $runs run(s) per configuration; medians.
EOF
if wants wait; then
  cat <<EOF

**wait**: 38 tests that allocate $((40 / scale)) MiB to $((2765 / scale)) MiB, then wait $((2000 / scale)) ms; \
memory budget $budget_mib MiB, \`ctest -j 16\`. Memory bound: the larger of sum(MEMORY x wall time) / budget and the longest test.

| Run | Wall time | Memory bound | ÷ bound | Passed | Most tests at once | Most MEMORY at once | Most CPUs held at once |
|---|---:|---:|---:|---:|---:|---:|---:|
EOF
for config in first second; do
  wall="$(stat wait "$config" .wall)"
  bound="$(stat wait "$config" "[.wall_mib_seconds / $budget_mib, .longest] | max")"
  echo "| $config run | $(fmt '%.1f s' "$wall") | $(fmt '%.1f s' "$bound") | $(ratio "$wall" "$bound") | $(passed wait "$config") | \
$(stat wait "$config" .most_at_once) | $(fmt '%.0f MiB' "$(stat wait "$config" .most_mib_at_once)") | $(fmt '%.1f' "$(stat wait "$config" .most_cpus_held)") |"
  done
fi
if wants cpu; then
  cat <<EOF

**cpu**: 48 tests of $((650 / scale)) ms of CPU each, \`TIMEOUT 8\`.

| Run | Wall time | ÷ \`-j $cpus\` | Passed | Starved | Most at once |
|---|---:|---:|---:|---:|---:|
EOF
base="$(stat cpu "j$cpus" .wall)"
for config in "j$cpus" first second; do
  case "$config" in first) label="\`ctest -j 64\`, first run" ;; second) label="\`ctest -j 64\`, second run" ;; *) label="\`ctest -j $cpus\`" ;; esac
  wall="$(stat cpu "$config" .wall)"
  echo "| $label | $(fmt '%.1f s' "$wall") | $(ratio "$wall" "$base") | $(passed cpu "$config") | $(stat cpu "$config" .starved) | $(stat cpu "$config" .most_at_once) |"
  done
fi
if wants mixed; then
  cat <<EOF

**mixed**: 40 tests of $((150 / scale)) ms of CPU, 10 that sleep $((1000 / scale)) ms, 4 running two threads of $((800 / scale)) ms, \
2 running four of $((400 / scale)) ms; \`ctest -j 64\`.

| Run | Wall time | ÷ plain | Passed | Starved |
|---|---:|---:|---:|---:|
EOF
base="$(stat mixed-plain plain .wall)"
echo "| plain \`add_test\`, no mmtest | $(fmt '%.1f s' "$base") | 1.00x | $(passed mixed-plain plain) | — |"
for config in first second third; do
  wall="$(stat mixed "$config" .wall)"
  echo "| mmtest, $config run | $(fmt '%.1f s' "$wall") | $(ratio "$wall" "$base") | $(passed mixed "$config") | $(stat mixed "$config" .starved) |"
  done
  echo
  echo "Reading the test list before any test starts (\`ctest -N\`): plain $(fmt '%.2f s' "$(stat mixed-plain list .wall)"), \
mmtest $(fmt '%.2f s' "$(stat mixed hook .wall)") (the hook: budgets, history, learned demand, plan)."
fi
