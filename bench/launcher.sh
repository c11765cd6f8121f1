#!/usr/bin/env bash
# shellcheck disable=SC2016  # backquotes in single quotes are markdown, not command substitution
# Measures what mmtest-run costs and how well it measures and enforces memory; prints a markdown
# report (the "Launcher (mmtest-run)" section of docs/performance.md is this output).
#
#   bench/launcher.sh [--build-dir DIR] [--only LIST] [--limit-mode MODE] [--tmpdir DIR] [--quick] [--keep]
#
#   --build-dir DIR    build tree holding harness/run/mmtest-run (default: build/ci, relative to
#                      the source tree)
#   --only LIST        run only these parts, comma-separated: a,b,c,d,e (default: all)
#   --limit-mode MODE  pass --limit-mode MODE to every launched run (default: none, so the
#                      launcher's own auto choice); the mode in force is printed in the header
#   --tmpdir DIR       TMPDIR for every measured command (default: the environment's, else /tmp):
#                      mmtest-run makes each test's private TMPDIR in it, so its file system's
#                      mkdir and rmdir are part of (a); the header names that file system
#   --quick            far fewer runs, to check the script itself (figures are not meaningful)
#   --keep             keep the working directory: records and per-run figures
#
# Parts, each a median over many runs:
#   (a) start-up overhead: mmtest-run --no-measurements -- /bin/true against /bin/true and
#       timeout 60 /bin/true, run in turn, one run of each per round, the first one rotating
#       (bench/interleave.cpp), so that every command meets the same moments of a noisy machine
#   (b) slowdown of a single-threaded CPU-bound program (fixed work) under --memory 4G, where
#       sampling is active; bare and launched runs alternate
#   (c) accuracy of peak_memory_bytes: one process touching 300 MiB; four children of 150 MiB
#       alive at the same time
#   (d) overshoot at kill: a process touching memory at ~1 GiB/s under --memory 512M
#   (e) informative: the launcher's own CPU while it samples, far from and just under the budget,
#       then again with 1000 extra idle processes on the machine (a sample reads every /proc/PID/stat)
#
# Needs bash, coreutils, util-linux (findmnt), g++ and jq; no python. About 2 minutes on an idle 2-CPU machine.
# Wall-clock figures of (a) and (b) are only as good as the machine is quiet: the header prints the
# load average before and after.
set -euo pipefail

source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
invocation="bench/launcher.sh${*:+ $*}"
build_dir="build/ci"
parts="a,b,c,d,e"
limit_mode=""
tmpdir_base=""
quick=0
keep=0

usage() { sed -n '3,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; }
fail() { echo "launcher.sh: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir="${2:?--build-dir needs a directory}"; shift 2 ;;
    --build-dir=*) build_dir="${1#*=}"; shift ;;
    --only) parts="${2:?--only needs a list like a,c}"; shift 2 ;;
    --only=*) parts="${1#*=}"; shift ;;
    --limit-mode) limit_mode="${2:?--limit-mode needs auto, cgroup or sample}"; shift 2 ;;
    --limit-mode=*) limit_mode="${1#*=}"; shift ;;
    --tmpdir) tmpdir_base="${2:?--tmpdir needs a directory}"; shift 2 ;;
    --tmpdir=*) tmpdir_base="${1#*=}"; shift ;;
    --quick) quick=1; shift ;;
    --keep) keep=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) fail "unknown argument '$1' (see --help)" ;;
  esac
done
wants() { [[ ",$parts," == *",$1,"* ]]; }
for part in ${parts//,/ }; do
  case "$part" in a | b | c | d | e) ;; *) fail "--only: unknown part '$part' (expected a, b, c, d or e)" ;; esac
done

case "$build_dir" in /*) ;; *) build_dir="$source_dir/$build_dir" ;; esac
launcher="$build_dir/harness/run/mmtest-run"
[ -x "$launcher" ] || fail "$launcher not found; build it first: cmake --preset ci && cmake --build --preset ci"
for tool in g++ jq timeout; do
  command -v "$tool" >/dev/null 2>&1 || fail "'$tool' is required (Debian 12: apt-get install g++ jq coreutils)"
done

# ---- run counts -----------------------------------------------------------------------------------
overhead_rounds=1000 overhead_warmup=20                           # (a): 1000 runs per command
cpu_pairs=15                                                       # (b): 15 bare + 15 launched
cpu_iterations=1000000000                                          # (b): ~1.9 s on a 2.x GHz Xeon
peak_runs=7                                                        # (c): per scenario
overshoot_runs=12                                                  # (d): per scenario
sampling_runs=3 idle_count=1000                                   # (e): per case; extra idle processes
if [ "$quick" -eq 1 ]; then
  overhead_rounds=30 overhead_warmup=3
  cpu_pairs=2 cpu_iterations=100000000 peak_runs=2 overshoot_runs=2 sampling_runs=1 idle_count=200
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/mmtest-bench.XXXXXX")"
idle_pids=()
stop_idle_processes() {
  if [ "${#idle_pids[@]}" -gt 0 ]; then
    kill "${idle_pids[@]}" 2>/dev/null || true
    wait "${idle_pids[@]}" 2>/dev/null || true
    idle_pids=()
  fi
}
cleanup() {
  stop_idle_processes
  if [ "$keep" -eq 1 ]; then echo "launcher.sh: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
progress() { echo "launcher.sh: $*" >&2; }

alloc="$work/alloc"
g++ -std=c++20 -O2 -Wall -Wextra -o "$alloc" "$source_dir/bench/alloc.cpp"
interleave="$work/interleave"
g++ -std=c++20 -O2 -Wall -Wextra -o "$interleave" "$source_dir/bench/interleave.cpp"

if [ -n "$tmpdir_base" ]; then
  if [ ! -d "$tmpdir_base" ] || [ ! -w "$tmpdir_base" ]; then fail "--tmpdir: '$tmpdir_base' is not a writable directory"; fi
  export TMPDIR="$tmpdir_base"
fi
tmpdir_in_use="${TMPDIR:-/tmp}"

mib=1048576
launch=("$launcher" --no-measurements)
if [ -n "$limit_mode" ]; then launch+=(--limit-mode "$limit_mode"); fi

# ---- statistics with jq, formatting with printf ---------------------------------------------------
jq_stats='def median: sort | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor]
          else (.[length / 2 - 1] + .[length / 2]) / 2 end;
          def quantile(q): sort | .[((length - 1) * q) | floor];'
median_of() { jq -s "$jq_stats median" "$1"; }      # of a file holding one number per line
p10_of() { jq -s "$jq_stats quantile(0.1)" "$1"; }
max_of() { jq -s 'max' "$1"; }
calc() { jq -n "$1"; }                               # arithmetic and comparisons
# shellcheck disable=SC2059  # the format is the argument
fmt() { LC_ALL=C printf "$1" "$2"; }                 # fmt '%.2f' 1.234
pct() { LC_ALL=C printf '%+.2f%%' "$(calc "(($1) * 10000 | round) / 100 + 0")"; }   # never "-0.00%"
ms() { fmt '%.2f ms' "$1"; }
mib_of() { fmt '%.1f MiB' "$1"; }
verdict() { if [ "$(calc "$1")" = "true" ]; then echo "met"; else echo "**missed**"; fi; }

rows=()
# row PART MEASUREMENT MEDIAN DETAIL TARGET VERDICT
row() { local line="|" cell; for cell in "$@"; do line+="${cell:+ $cell} |"; done; rows+=("$line"); }

# Runs the launcher with a result record and prints the record's path; the launcher's exit status
# and stderr are kept next to the record.
record_counter=0
launched_record() {
  record_counter=$((record_counter + 1))
  local record="$work/record.$record_counter.json" status=0
  "${launch[@]}" --result "$record" "$@" >/dev/null 2>"$record.stderr" || status=$?
  echo "$status" >"$record.status"
  echo "$record"
}
expect_status() {   # RECORD STATUS
  local got
  got="$(cat "$1.status")"
  if [ "$got" != "$2" ]; then
    echo "launcher.sh: expected mmtest-run to exit $2, got $got; its stderr:" >&2
    cat "$1.stderr" >&2
    exit 1
  fi
}

probe="$(launched_record -- /bin/true)"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
started_at="$(date -u '+%Y-%m-%d %H:%M UTC')"

# ---- (a) start-up overhead -------------------------------------------------------------------------
if wants a; then
  progress "(a) start-up overhead: $overhead_rounds rounds, one run of each command per round"
  names=(true timeout mmtest-run mmtest-run-version)
  "$interleave" "$overhead_rounds" "$overhead_warmup" \
    :: true /bin/true \
    :: timeout "$(command -v timeout)" 60 /bin/true \
    :: mmtest-run "${launch[@]}" -- /bin/true \
    :: mmtest-run-version "$launcher" --version >"$work/overhead.txt"
  for name in "${names[@]}"; do
    awk -v name="$name" '$2 == name { print $3 }' "$work/overhead.txt" >"$work/overhead.$name.txt"
    # Mean CPU time per run (user + sys of the command and its children), in ms.
    awk -v name="$name" '$2 == name { cpu += $4; runs++ } END { printf "%.6f\n", cpu / runs * 1000 }' \
      "$work/overhead.txt" >"$work/overhead.$name.cpu"
  done
  # mmtest-run's wall time over timeout's in the same round: the pair met the same machine.
  awk '$2 == "mmtest-run" { m[$1] = $3 } $2 == "timeout" { t[$1] = $3 }
       END { for (round in m) printf "%.6f\n", m[round] / t[round] }' "$work/overhead.txt" >"$work/overhead.ratio.txt"
  median_ms() { calc "$(median_of "$work/overhead.$1.txt") * 1000"; }
  p10_ms() { calc "$(p10_of "$work/overhead.$1.txt") * 1000"; }
  overhead_detail() { echo "p10 $(ms "$(p10_ms "$1")"); CPU $(ms "$(cat "$work/overhead.$1.cpu")"); $(wc -l <"$work/overhead.$1.txt") runs"; }
  ratio_a="$(calc "$(median_ms mmtest-run) / $(median_ms timeout)")"
  ratio_a_p10="$(calc "$(p10_ms mmtest-run) / $(p10_ms timeout)")"
  ratio_a_cpu="$(calc "$(cat "$work/overhead.mmtest-run.cpu") / $(cat "$work/overhead.timeout.cpu")")"
  ratio_a_paired="$(median_of "$work/overhead.ratio.txt")"
  row a '`/bin/true`' "$(ms "$(median_ms true)")" "$(overhead_detail true)" '' ''
  row a '`timeout 60 /bin/true`' "$(ms "$(median_ms timeout)")" "$(overhead_detail timeout)" '' ''
  row a '`mmtest-run --no-measurements -- /bin/true`' "$(ms "$(median_ms mmtest-run)")" "$(overhead_detail mmtest-run)" '' ''
  row a '`mmtest-run --version` (start-up alone)' "$(ms "$(median_ms mmtest-run-version)")" "$(overhead_detail mmtest-run-version)" '' ''
  row a 'ratio mmtest-run / timeout' "$(fmt '%.2fx' "$ratio_a")" \
    "$(fmt '%.2fx' "$ratio_a_p10") at p10; $(fmt '%.2fx' "$ratio_a_paired") median of the rounds' ratios; $(fmt '%.2fx' "$ratio_a_cpu") in CPU time" \
    '≤ 1.2x' "$(verdict "$ratio_a <= 1.2")"
fi

# ---- (b) CPU-bound slowdown under sampling ---------------------------------------------------------
if wants b; then
  progress "(b) CPU-bound program: $cpu_pairs bare and $cpu_pairs launched runs, alternating"
  # Prints "WALL CPU" in seconds for one run of "$@"; CPU is user + sys of it and its children.
  timed() {
    local TIMEFORMAT='%3R %3U %3S' line wall user system
    line="$({ time "$@" >/dev/null 2>&1; } 2>&1)" || fail "failed: $*"
    read -r wall user system <<<"$line"
    echo "$wall $(calc "$user + $system")"
  }
  for file in bare launched ratio launcher_cpu; do : >"$work/cpu.$file.txt"; done
  for pair in $(seq 1 "$cpu_pairs"); do
    if [ $((pair % 2)) -eq 1 ]; then
      bare="$(timed "$alloc" cpu "$cpu_iterations")"
      launched="$(timed "${launch[@]}" --result "$work/cpu.record.json" --memory 4G -- "$alloc" cpu "$cpu_iterations")"
    else
      launched="$(timed "${launch[@]}" --result "$work/cpu.record.json" --memory 4G -- "$alloc" cpu "$cpu_iterations")"
      bare="$(timed "$alloc" cpu "$cpu_iterations")"
    fi
    read -r bare_wall _ <<<"$bare"
    read -r launched_wall launched_cpu <<<"$launched"
    echo "$bare_wall" >>"$work/cpu.bare.txt"
    echo "$launched_wall" >>"$work/cpu.launched.txt"
    calc "$launched_wall / $bare_wall" >>"$work/cpu.ratio.txt"
    # The launcher's own CPU: the run's user + sys minus what the record says the test used.
    jq "($launched_cpu - .cpu_seconds) / $launched_wall * 1000" "$work/cpu.record.json" >>"$work/cpu.launcher_cpu.txt"
  done
  cpu_bare="$(median_of "$work/cpu.bare.txt")"
  cpu_launched="$(median_of "$work/cpu.launched.txt")"
  slowdown="$(calc "$(median_of "$work/cpu.ratio.txt") - 1")"
  row b 'CPU-bound program, bare' "$(fmt '%.3f s' "$cpu_bare")" "$cpu_iterations iterations; $cpu_pairs runs" '' ''
  row b 'same under `mmtest-run --memory 4G`' "$(fmt '%.3f s' "$cpu_launched")" "$cpu_pairs runs, alternating with bare" '' ''
  row b 'slowdown (median of paired ratios)' "$(pct "$slowdown")" \
    "ratio of medians $(pct "$cpu_launched / $cpu_bare - 1"); launcher's own CPU $(fmt '%.2f%%' "$(calc "$(median_of "$work/cpu.launcher_cpu.txt") / 10")") of one CPU" \
    '< 1%' "$(verdict "$slowdown < 0.01")"
fi

# ---- (c) peak accuracy -----------------------------------------------------------------------------
if wants c; then
  progress "(c) peak accuracy: $peak_runs runs per scenario"
  # NAME COMMAND...: runs the scenario; peak MiB per run to NAME.txt, peak_memory_source to NAME.source.
  peak_scenario() {
    local name="$1" record
    shift
    : >"$work/$name.txt"
    : >"$work/$name.source"
    for _ in $(seq 1 "$peak_runs"); do
      record="$(launched_record "$@")"
      expect_status "$record" 0
      jq ".peak_memory_bytes / $mib" "$record" >>"$work/$name.txt"
      jq -r '.peak_memory_source' "$record" >>"$work/$name.source"
    done
  }
  sources_of() {
    sort "$work/$1.source" | uniq -c |
      awk -v runs="$(wc -l <"$work/$1.source")" '{ printf "%s%s in %d of %d runs", (NR > 1 ? ", " : "source "), $2, $1, runs }'
  }
  peak_scenario peak.baseline -- "$alloc" touch 0 0
  peak_scenario peak.single -- "$alloc" touch 300 300
  peak_scenario peak.children -- "$alloc" children 4 150 300
  peak_scenario peak.children_brief -- "$alloc" children 4 150 20
  baseline="$(median_of "$work/peak.baseline.txt")"
  single="$(median_of "$work/peak.single.txt")"
  children="$(median_of "$work/peak.children.txt")"
  children_brief="$(median_of "$work/peak.children_brief.txt")"
  single_error="$(calc "$single / 300 - 1")"
  children_error="$(calc "$children / 600 - 1")"
  row c 'baseline: the program touching 0 MiB' "$(mib_of "$baseline")" "$(sources_of peak.baseline)" '' ''
  row c '1 process, 300 MiB, held 300 ms' "$(mib_of "$single")" \
    "$(pct "$single_error") vs 300 MiB, $(pct "($single - $baseline) / 300 - 1") net of baseline; $(sources_of peak.single)" \
    'within 3%' "$(verdict "($single_error | fabs) <= 0.03")"
  row c '4 children x 150 MiB, held together 300 ms' "$(mib_of "$children")" \
    "$(pct "$children_error") vs 600 MiB; $(sources_of peak.children)" 'within 10%' "$(verdict "($children_error | fabs) <= 0.10")"
  row c '4 children x 150 MiB, held together 20 ms' "$(mib_of "$children_brief")" \
    "$(pct "$children_brief / 600 - 1") vs 600 MiB; $(sources_of peak.children_brief)" '(informative)' ''
fi

# ---- (d) overshoot at kill -------------------------------------------------------------------------
if wants d; then
  progress "(d) overshoot at kill: $overshoot_runs runs per rate"
  budget_mib=512
  tolerance_mib="$(calc "[$budget_mib * 0.05, 32] | max")"
  # NAME RATE_MIB_S: overshoot MiB per run to NAME.txt, achieved rate (peak / wall time) to NAME.rate.
  overshoot_scenario() {
    local name="$1" rate="$2" record
    : >"$work/$name.txt"
    : >"$work/$name.rate"
    for _ in $(seq 1 "$overshoot_runs"); do
      record="$(launched_record --memory "${budget_mib}M" -- "$alloc" ramp 4096 "$rate")"
      expect_status "$record" 123
      jq ".peak_memory_bytes / $mib - $budget_mib" "$record" >>"$work/$name.txt"
      jq ".peak_memory_bytes / $mib / .wall_seconds" "$record" >>"$work/$name.rate"
    done
  }
  overshoot_detail() {
    echo "max $(fmt '%+.1f MiB' "$(max_of "$work/$1.txt")"); achieved ≈$(fmt '%.0f' "$(median_of "$work/$1.rate")") MiB/s; $overshoot_runs runs, all exit 123"
  }
  overshoot_scenario overshoot.paced 1024
  overshoot_scenario overshoot.unpaced 0
  row d "1 MiB chunks paced to 1 GiB/s, \`--memory ${budget_mib}M\`: peak − budget" \
    "$(fmt '%+.1f MiB' "$(median_of "$work/overshoot.paced.txt")")" "$(overshoot_detail overshoot.paced)" \
    "≤ $(fmt '%.0f' "$tolerance_mib") MiB" "$(verdict "$(max_of "$work/overshoot.paced.txt") <= $tolerance_mib")"
  row d "1 MiB chunks unpaced, \`--memory ${budget_mib}M\`: peak − budget" \
    "$(fmt '%+.1f MiB' "$(median_of "$work/overshoot.unpaced.txt")")" "$(overshoot_detail overshoot.unpaced)" '(informative)' ''
fi

# ---- (e) cost of sampling: the launcher's own CPU ----------------------------------------------------
# Each sample reads /proc/<pid>/stat of every process on the machine, so its cost grows with the
# machine's process count, and samples come every 2 ms when the tree sits just under its budget.
if wants e; then
  progress "(e) launcher CPU while sampling: $sampling_runs runs per case, then again with $idle_count idle processes"
  # NAME MEMORY MIB: runs "alloc touch MIB 2000" under --memory MEMORY; writes the launcher's own CPU
  # time (user + sys of the run minus the record's cpu_seconds of the test) per second of wall time.
  sampling_cost() {
    local name="$1" memory="$2" touch_mib="$3" record line wall user system TIMEFORMAT='%3R %3U %3S'
    : >"$work/$name.txt"
    for _ in $(seq 1 "$sampling_runs"); do
      record_counter=$((record_counter + 1))
      record="$work/record.$record_counter.json"
      line="$({ time "${launch[@]}" --result "$record" --memory "$memory" -- "$alloc" touch "$touch_mib" 2000 >/dev/null 2>&1; } 2>&1)" ||
        fail "mmtest-run --memory $memory -- alloc touch $touch_mib 2000 failed"
      read -r wall user system <<<"$line"
      jq "($user + $system - .cpu_seconds) / $wall * 1000" "$record" >>"$work/$name.txt"
    done
  }
  processes_now() { find /proc -maxdepth 1 -name '[0-9]*' | wc -l; }
  sampling_rows() {   # SUFFIX LABEL
    local far near
    far="$(median_of "$work/sampling.far$1.txt")"
    near="$(median_of "$work/sampling.near$1.txt")"
    row e "launcher CPU, test idle far from its budget (2.6 MiB of 4 GiB), $2" "$(fmt '%.1f ms/s' "$far")" \
      "$(fmt '%.2f%%' "$(calc "$far / 10")") of one CPU; $sampling_runs runs of 2 s" '(informative)' ''
    row e "launcher CPU, test holding 511 MiB of \`--memory 512M\`, $2" "$(fmt '%.1f ms/s' "$near")" \
      "$(fmt '%.2f%%' "$(calc "$near / 10")") of one CPU; $sampling_runs runs of 2 s" '(informative)' ''
  }
  sampling_cost sampling.far 4G 0
  sampling_cost sampling.near 512M 508
  sampling_rows '' "$(processes_now) processes on the machine"
  for _ in $(seq 1 "$idle_count"); do
    sleep 3600 &
    idle_pids+=("$!")
  done
  sampling_cost sampling.far.crowded 4G 0
  sampling_cost sampling.near.crowded 512M 508
  sampling_rows .crowded "$(processes_now) processes on the machine"
  stop_idle_processes
fi

# ---- report ----------------------------------------------------------------------------------------
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
cpus="$(nproc)"
cat <<EOF
Command: \`$invocation\`, $started_at.

Machine: $cpus CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), \
$(free -h | awk '/^Mem:/ { print $2 }') RAM, Linux $(uname -r). Load average (1, 5, 15 min): $load_before before, $load_after after.
Launcher: $("$launcher" --version 2>&1 | head -n 1), $(jq -r '.limit_mode' "$probe") mode ($(jq -r '.limit_mode_reason' "$probe")).
Test TMPDIRs made in: $tmpdir_in_use ($(findmnt -n -o FSTYPE,OPTIONS -T "$tmpdir_in_use" 2>/dev/null | head -n 1 | sed 's/  */, mounted /' || echo '?')).

| | Measurement | Median | Detail | Target | Verdict |
|---|---|---|---|---|---|
EOF
printf '%s\n' "${rows[@]}"
busiest="$(calc "[$(echo "$load_before $load_after" | awk '{ print $1 "," $4 }')] | max")"
if [ "$(calc "$busiest > $cpus * 0.5")" = "true" ]; then
  echo
  echo "Warning: the machine was busy (1-minute load average up to $busiest on $cpus CPUs); the wall-clock figures of (a) and (b) include waiting for a CPU."
fi
