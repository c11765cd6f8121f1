#!/usr/bin/env bash
# Configure time and `ctest -N` time of N tests declared with add_mm_test() against N plain
# add_test() calls (issue 3 target: add_mm_test configure at most 1.5x add_test).
#
#   bench/cmake-configure.sh [N]        # default N=5000; needs a built build/dev (mmtest-run)
#
# Uses hyperfine when present (scripts/install-deps installs it), else a plain timing loop.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
count="${1:-5000}"
work="${root}/build/bench-cmake"
launcher="${MMTEST_RUN:-${root}/build/dev/harness/run/mmtest-run}"
rm -rf "${work}"
mkdir -p "${work}/plain" "${work}/mm"

# Two projects with the same tests: a light mix of labels and sizes, like a real suite.
for kind in plain mm; do
  {
    echo 'cmake_minimum_required(VERSION 3.25)'
    echo "project(bench_${kind} NONE)"
    echo 'enable_testing()'
    [ "${kind}" = mm ] && echo "include(\"${root}/cmake/MMTest.cmake\")"
    echo "foreach(i RANGE 1 ${count})"
    if [ "${kind}" = mm ]; then
      echo '  add_mm_test(NAME test_${i} COMMAND /bin/true ${i} MEMORY 64M LABELS unit)'
    else
      echo '  add_test(NAME test_${i} COMMAND /bin/true ${i})'
      echo '  set_tests_properties(test_${i} PROPERTIES LABELS unit TIMEOUT 60)'
    fi
    echo 'endforeach()'
  } > "${work}/${kind}/CMakeLists.txt"
done

configure() { rm -rf "${work}/$1/build"; cmake -S "${work}/$1" -B "${work}/$1/build" -G Ninja -DMMTEST_RUN="${launcher}" >/dev/null; }
export -f configure
export work launcher
configure plain
configure mm

if command -v hyperfine >/dev/null 2>&1; then
  hyperfine --shell=bash --warmup 1 --runs 5 --export-markdown "${work}/configure.md" \
    -n "add_test x${count}" "configure plain" -n "add_mm_test x${count}" "configure mm"
  hyperfine --shell=bash --warmup 1 --runs 10 --export-markdown "${work}/ctest-N.md" \
    -n "ctest -N, add_test x${count}" "ctest --test-dir ${work}/plain/build -N" \
    -n "ctest -N, add_mm_test x${count}" "ctest --test-dir ${work}/mm/build -N"
else
  for label in plain mm; do
    start=$(date +%s.%N); for _ in 1 2 3; do configure "${label}"; done; end=$(date +%s.%N)
    echo "configure ${label} x${count}: $(echo "(${end} - ${start}) / 3" | bc -l | cut -c1-6) s"
    start=$(date +%s.%N); for _ in 1 2 3; do ctest --test-dir "${work}/${label}/build" -N >/dev/null 2>&1; done; end=$(date +%s.%N)
    echo "ctest -N ${label} x${count}: $(echo "(${end} - ${start}) / 3" | bc -l | cut -c1-6) s"
  done
fi
