#!/usr/bin/env bash
# Configure time and `ctest -N` time of N tests declared with add_mm_test() against N plain
# add_test() calls (issue 3 target: add_mm_test configure at most 1.5x add_test), with the floor
# of any keyword-taking CMake function beside them.
#
#   bench/cmake-configure.sh [N]        # default N=5000; needs a built build/dev (mmtest-run)
#
# Five LANGUAGES NONE projects declare the same N tests:
#   plain  add_test() + set_tests_properties(LABELS, TIMEOUT)
#   call   the same two commands inside a function that takes add_mm_test's arguments and does
#          nothing else with them: the cost of a CMake function call alone
#   floor  the same, plus cmake_parse_arguments(PARSE_ARGV) over add_mm_test's keywords: what
#          any CMake function with add_mm_test's signature costs before it checks anything
#   mm     add_mm_test(... MEMORY 64M LABELS unit)
#   mm_upper  the same with an upper-case word in COMMAND (FAST), which the fast path checks for
#          a misspelled keyword
# Uses hyperfine when present (scripts/install-deps installs it), else a plain timing loop.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
count="${1:-5000}"
work="${root}/build/bench-cmake"
launcher="${MMTEST_RUN:-${root}/build/dev/harness/run/mmtest-run}"
kinds=(plain call floor mm mm_upper)
rm -rf "${work}"
for kind in "${kinds[@]}"; do
  mkdir -p "${work}/${kind}"
  {
    echo 'cmake_minimum_required(VERSION 3.25)'
    echo "project(bench_${kind} NONE)"
    echo 'enable_testing()'
    case "${kind}" in
      mm | mm_upper) echo "include(\"${root}/cmake/MMTest.cmake\")" ;;
      call | floor)
        echo 'function(declare)'
        [ "${kind}" = floor ] && echo '  cmake_parse_arguments(PARSE_ARGV 0 arg "ALLOW_LEAKS;WILL_FAIL" "NAME;MEMORY;TIMEOUT;PROCESSORS;GPUS;WORKING_DIRECTORY" "COMMAND;LABELS;ENVIRONMENT;PROPERTIES;LAUNCHER_ARGS")'
        echo '  add_test(NAME ${ARGV1} COMMAND ${ARGV3} ${ARGV4})'
        echo '  set_tests_properties(${ARGV1} PROPERTIES LABELS unit TIMEOUT 60)'
        echo 'endfunction()'
        ;;
    esac
    echo "foreach(i RANGE 1 ${count})"
    case "${kind}" in
      mm) echo '  add_mm_test(NAME test_${i} COMMAND /bin/true ${i} MEMORY 64M LABELS unit)' ;;
      mm_upper) echo '  add_mm_test(NAME test_${i} COMMAND /bin/true ${i} FAST MEMORY 64M LABELS unit)' ;;
      call | floor) echo '  declare(NAME test_${i} COMMAND /bin/true ${i} MEMORY 64M LABELS unit)' ;;
      plain)
        echo '  add_test(NAME test_${i} COMMAND /bin/true ${i})'
        echo '  set_tests_properties(test_${i} PROPERTIES LABELS unit TIMEOUT 60)'
        ;;
    esac
    echo 'endforeach()'
  } > "${work}/${kind}/CMakeLists.txt"
done

configure() { rm -rf "${work}/$1/build"; cmake -S "${work}/$1" -B "${work}/$1/build" -G Ninja -DMMTEST_RUN="${launcher}" >/dev/null 2>&1; }
export -f configure
export work launcher
for kind in "${kinds[@]}"; do configure "${kind}"; done

if command -v hyperfine >/dev/null 2>&1; then
  args=()
  for kind in "${kinds[@]}"; do args+=(-n "${kind} x${count}" "configure ${kind}"); done
  hyperfine --shell=bash --warmup 1 --runs 10 --export-markdown "${work}/configure.md" "${args[@]}"
  hyperfine --shell=bash --warmup 1 --runs 10 --export-markdown "${work}/ctest-N.md" \
    -n "ctest -N, add_test x${count}" "ctest --test-dir ${work}/plain/build -N" \
    -n "ctest -N, add_mm_test x${count}" "ctest --test-dir ${work}/mm/build -N"
else
  for kind in "${kinds[@]}"; do
    start=$(date +%s.%N); for _ in 1 2 3; do configure "${kind}"; done; end=$(date +%s.%N)
    echo "configure ${kind} x${count}: $(echo "(${end} - ${start}) / 3" | bc -l | cut -c1-6) s"
  done
  for kind in plain mm; do
    start=$(date +%s.%N); for _ in 1 2 3; do ctest --test-dir "${work}/${kind}/build" -N >/dev/null 2>&1; done; end=$(date +%s.%N)
    echo "ctest -N ${kind} x${count}: $(echo "(${end} - ${start}) / 3" | bc -l | cut -c1-6) s"
  done
fi
