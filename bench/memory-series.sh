#!/usr/bin/env bash
# The cost of the record's memory time series (memory_samples) to the launcher: nanoseconds per
# sample added, against the cost of the smallest sample itself (one /proc/<pid>/stat read).
# Compiles bench/memory-series.cpp with harness/run/src/sampling.cpp (-O2) into a temporary
# directory, runs it 5 times and prints every run's table. Needs g++ (C++23).
#
#   bench/memory-series.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
g++ -std=c++23 -O2 -I"${root}/harness/run/include" -I"${root}/harness/common/include" "${root}/bench/memory-series.cpp" \
  "${root}/harness/run/src/sampling.cpp" -o "${work}/memory-series"
echo "\`bench/memory-series.sh\`, $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) CPU(s), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for run in 1 2 3 4 5; do
  echo
  echo "| run ${run} | |"
  echo "|---|---:|"
  "${work}/memory-series"
done
