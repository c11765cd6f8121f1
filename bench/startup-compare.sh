#!/usr/bin/env bash
# Launcher start-up of two builds side by side, e.g. before and after a change: one run of each
# command per round, the first one rotating (bench/interleave.cpp), so that both launchers meet the
# same moments of a noisy machine. Prints a markdown table of medians and of the per-round ratios.
#
#   bench/startup-compare.sh BEFORE_BUILD_DIR AFTER_BUILD_DIR [ROUNDS]   (default 400 rounds)
#
# Each build dir holds harness/run/mmtest-run. Commands: `timeout 60 /bin/true` (the reference
# bench/launcher.sh uses too), and each launcher's `mmtest-run --no-measurements -- /bin/true`.
# The tests' TMPDIRs go to $TMPDIR (default /tmp), as in bench/launcher.sh part (a).
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2; }
source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
before="$(cd "$1" && pwd)/harness/run/mmtest-run"
after="$(cd "$2" && pwd)/harness/run/mmtest-run"
rounds="${3:-400}"
for launcher in "$before" "$after"; do
  [ -x "$launcher" ] || { echo "bench/startup-compare.sh: $launcher not found" >&2; exit 2; }
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
g++ -std=c++20 -O2 -Wall -Wextra -o "$work/interleave" "$source_dir/bench/interleave.cpp"
"$work/interleave" "$rounds" 20 \
  :: timeout "$(command -v timeout)" 60 /bin/true \
  :: before "$before" --no-measurements -- /bin/true \
  :: after "$after" --no-measurements -- /bin/true >"$work/runs.txt"
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
wall_ms() { awk -v n="$1" '$2 == n { print $3 * 1000 }' "$work/runs.txt" | median; }
cpu_ms() { awk -v n="$1" '$2 == n { print $4 * 1000 }' "$work/runs.txt" | median; }
# Per round: the two launchers met the same moment of the machine.
ratio() { awk -v a="$1" -v b="$2" '$2 == a { x[$1] = $3 } $2 == b { y[$1] = $3 } END { for (r in x) print x[r] / y[r] }' "$work/runs.txt" | median; }
echo "Start-up, $rounds rounds ($(nproc) CPUs, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg) at the end, TMPDIR on $(stat -f -c %T "${TMPDIR:-/tmp}"))"
echo
echo "| command | median wall | median CPU |"
echo "|---|---:|---:|"
for name in timeout before after; do
  printf '| %s | %.3f ms | %.3f ms |\n' "$name" "$(wall_ms "$name")" "$(cpu_ms "$name")"
done
echo
printf 'Median of the per-round ratios: after / before %.3f; before / timeout %.3f; after / timeout %.3f\n' \
  "$(ratio after before)" "$(ratio before timeout)" "$(ratio after timeout)"
