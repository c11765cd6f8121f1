# Shared by the bench scripts that build mmtest and run suites under real ctest. Source it after
# setting `bench_name` (the script's file name, for messages) and `source_dir` (this repository).
#
#   bench_fail MESSAGE...          print "<name>: MESSAGE" and exit 2
#   bench_progress MESSAGE...      print "<name>: MESSAGE" on stderr
#   bench_usage                    print the script's header comment (its --help)
#   bench_require TOOL...          exit 2 naming the first tool not on PATH
#   bench_generator                sets the array `generator` to (-G Ninja) when ninja is on PATH
#   bench_mmtest_prefix WORK       sets `prefix`: the --prefix given (checked, made absolute), else
#                                  this source tree built (Release, no tests) and installed in WORK
#   bench_timed_ctest LOG ARGUMENT...
#                                  runs `ctest ARGUMENT...` with its output in LOG; sets bench_status
#                                  (its exit status), bench_wall (seconds) and bench_cpu (the CPU
#                                  seconds of ctest and of every process it ran, from bash's `times`)
#   bench_run_figures RECORDS_DIR OUT WALL BUILD CONFIG STATUS LOG [CPU]
#                                  writes OUT: a JSON object of one ctest run's figures (wall time,
#                                  tests and failures from LOG, starved records, the most tests and
#                                  the most CPUs held at once from the records' start and end times;
#                                  CPU as all_cpu_seconds, else null)

bench_fail() { echo "$bench_name: $*" >&2; exit 2; }
bench_progress() { echo "$bench_name: $*" >&2; }
bench_usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

bench_require() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || bench_fail "'$tool' is required (Debian 12: apt-get install cmake jq g++)"
  done
}

bench_generator() {
  generator=()
  if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
}

bench_mmtest_prefix() {
  local work="$1"
  if [ -n "${prefix:-}" ]; then
    case "$prefix" in /*) ;; *) prefix="$PWD/$prefix" ;; esac
    [ -f "$prefix/lib/cmake/mmtest/mmtestConfig.cmake" ] || bench_fail "no mmtest install in $prefix (lib/cmake/mmtest/mmtestConfig.cmake)"
    return 0
  fi
  bench_progress "building and installing mmtest from $source_dir (Release, MMTEST_BUILD_TESTS=OFF)"
  prefix="$work/prefix"
  { cmake -S "$source_dir" -B "$work/mmtest-build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DMMTEST_BUILD_TESTS=OFF &&
    cmake --build "$work/mmtest-build" && cmake --install "$work/mmtest-build" --prefix "$prefix"; } \
    >"$work/mmtest-build.log" 2>&1 || { cat "$work/mmtest-build.log" >&2; exit 1; }
}

bench_timed_ctest() {
  local log="$1" t0 t1 measured
  shift
  t0="$EPOCHREALTIME"
  # A subshell's `times` ends with the user and system time of its children: ctest, and through
  # it every launcher and test, each reaped by its parent.
  measured="$( (ctest "$@" >"$log" 2>&1; echo "status $?"; times) )"
  t1="$EPOCHREALTIME"
  bench_status="$(sed -n 's/^status //p' <<<"$measured")"
  bench_wall="$(jq -n "$t1 - $t0")"
  bench_cpu="$(tail -n 1 <<<"$measured" | awk '{ n = split($1 " " $2, part, /[ms ]+/); total = 0
    for (i = 1; i + 1 <= n; i += 2) total += part[i] * 60 + part[i + 1]; print total }')"
}

bench_run_figures() {
  local records="$1" out="$2" wall="$3" build="$4" config="$5" status="$6" log="$7" all_cpu="${8:-null}" failed total
  failed="$(grep -oE '[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | awk '{print $4}' || true)"
  total="$(grep -oE 'out of [0-9]+' "$log" | awk '{print $3}' | tail -n 1 || true)"
  if [ -d "$records" ] && compgen -G "$records/*.json" >/dev/null; then
    jq -s . "$records"/*.json >"$out.records"
  else
    echo '[]' >"$out.records"
  fi
  jq --argjson wall "$wall" --arg build "$build" --arg config "$config" --argjson status "$status" \
     --argjson failed "${failed:-0}" --argjson total "${total:-0}" --argjson all_cpu "$all_cpu" '
    def seconds: sub("\\.(?<ms>[0-9]+)Z$"; "Z") as $whole | ($whole | fromdate) + ((capture("\\.(?<ms>[0-9]+)Z$").ms | tonumber) / 1000);
    (map({s: (.started_at | seconds), e: (.finished_at | seconds), mib: ((.memory_limit_bytes // 0) / 1048576),
          held: (.cpus_reserved // 0)})) as $iv
    | {build: $build, config: $config, status: $status, wall: $wall, tests: $total, failed: $failed,
       starved: map(select(.starved)) | length,
       cpu_seconds: (map(.cpu_seconds) | add // 0), all_cpu_seconds: $all_cpu,
       most_at_once: (if length == 0 then 0 else [$iv[] | .s as $t | [$iv[] | select(.s <= $t and $t < .e)] | length] | max end),
       most_mib_at_once: (if length == 0 then 0 else [$iv[] | .s as $t | [$iv[] | select(.s <= $t and $t < .e) | .mib] | add] | max end),
       most_cpus_held: (if length == 0 then 0 else [$iv[] | .s as $t | [$iv[] | select(.s <= $t and $t < .e) | .held] | add] | max end),
       wall_mib_seconds: (map(((.memory_limit_bytes // 0) / 1048576) * .wall_seconds) | add // 0),
       longest: (if length == 0 then 0 else [.[] | .wall_seconds] | max end)}' \
    "$out.records" >"$out"
}
