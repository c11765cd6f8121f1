# cmake -P: unit tests of cmake/MMTestRuntime.cmake and the parts it shares with configure time
# (cmake/internal/): the size grammar, the cgroup limit walk on fake /proc and /sys trees, result
# file names and quoting.   -DWORK=<scratch dir>
cmake_minimum_required(VERSION 3.25)
include("${CMAKE_CURRENT_LIST_DIR}/support.cmake")
include("${CMAKE_CURRENT_LIST_DIR}/../../cmake/MMTestRuntime.cmake")
include("${CMAKE_CURRENT_LIST_DIR}/../../cmake/internal/Records.cmake")
include("${CMAKE_CURRENT_LIST_DIR}/../../cmake/internal/Quote.cmake")

# ---- Sizes: <text> <MiB rounded up> <MiB rounded down>; "-" marks an error -----------------------
set(cases
  "512M 512 512" "2G 2048 2048" "1.5GiB 1536 1536" "300MiB 300 300" "64kb 1 -" "2gb 2048 2048"
  "2Gi 2048 2048" "536870912 512 512" "1048577 2 1" "1.05g 1076 1075" "007M 7 7" "2048T 2147483648 2147483648"
  "0 - -" "0.0G - -" "-1 - -" "12Q - -" "1.5 - -" "2049T - -" "2147483649M - -" "99999999999999999999 - -"
  "1e3M - -" "M - -" ".5G - -" "1.G - -" "1_000M - -" "5MBB - -" "5iB - -")
foreach(case IN LISTS cases)
  string(REPLACE " " ";" fields "${case}")
  list(GET fields 0 text)
  list(GET fields 1 want_up)
  list(GET fields 2 want_down)
  _mm_size_to_mib("${text}" ROUND_UP up up_error)
  _mm_size_to_mib("${text}" ROUND_DOWN down down_error)
  foreach(kind up down)
    if(want_${kind} STREQUAL "-")
      if(NOT ${kind}_error OR NOT "${${kind}}" STREQUAL "")
        message(FATAL_ERROR "size '${text}' rounded ${kind}: expected an error, got '${${kind}}'")
      endif()
    elseif(NOT "${${kind}}" STREQUAL want_${kind} OR ${kind}_error)
      message(FATAL_ERROR "size '${text}' rounded ${kind}: expected ${want_${kind}}, got '${${kind}}' ${${kind}_error}")
    endif()
  endforeach()
endforeach()

# ---- cgroup limits on fake trees -----------------------------------------------------------------
# fake(<name> <cgroup file> <mountinfo> <file=content>...): builds WORK/<name>/{proc,sys}.
function(fake name cgroup mountinfo)
  set(root "${WORK}/${name}")
  file(REMOVE_RECURSE "${root}")
  file(WRITE "${root}/proc/cgroup" "${cgroup}")
  file(WRITE "${root}/proc/mountinfo" "${mountinfo}")
  foreach(entry IN LISTS ARGN)
    string(REGEX MATCH "^[^=]+" path "${entry}")
    string(REGEX REPLACE "^[^=]+=" "" content "${entry}")
    file(WRITE "${root}/sys${path}" "${content}\n")
  endforeach()
endfunction()
# expect_limit(<name> <free MiB> <limit file> [<limit MiB> <used MiB>])
function(expect_limit name want_mib want_where)
  set(_MM_PROC_SELF "${WORK}/${name}/proc")
  set(_MM_SYSROOT "${WORK}/${name}/sys")
  _mm_cgroup_limit_mib(mib where limit used)
  if(NOT "${mib}" STREQUAL "${want_mib}")
    message(FATAL_ERROR "cgroup case ${name}: expected '${want_mib}' MiB free, got '${mib}' (${where}: limit ${limit}, used ${used})")
  endif()
  if(ARGC GREATER 3 AND (NOT "${limit}" STREQUAL "${ARGV3}" OR NOT "${used}" STREQUAL "${ARGV4}"))
    message(FATAL_ERROR "cgroup case ${name}: expected limit ${ARGV3} MiB and ${ARGV4} MiB in use, got ${limit} and ${used}")
  endif()
  if(NOT want_where STREQUAL "" AND NOT where MATCHES "${want_where}$")
    message(FATAL_ERROR "cgroup case ${name}: expected the limit from ${want_where}, got ${where}")
  endif()
endfunction()

set(v2_mount "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n")
# v2: the parent's limit is smaller than our own; "max" is no limit.
fake(v2_parent "0::/ci/job/test\n" "${v2_mount}"
  "/sys/fs/cgroup/ci/job/test/memory.max=max"
  "/sys/fs/cgroup/ci/job/memory.max=4294967296"
  "/sys/fs/cgroup/ci/memory.max=8589934592")
expect_limit(v2_parent 4096 "/ci/job/memory.max")
# v2: nothing limited anywhere.
fake(v2_none "0::/user.slice\n" "${v2_mount}" "/sys/fs/cgroup/user.slice/memory.max=max")
expect_limit(v2_none "" "")
# v1 (this machine's kind): the limit is on our own group; 2^63 rounded to a page means none.
set(v1_mounts "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n36 31 0:33 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n")
fake(v1_own "4:memory:/runner/abc\n1:cpu:/\n" "${v1_mounts}"
  "/sys/fs/cgroup/memory/runner/abc/memory.limit_in_bytes=1073741824"
  "/sys/fs/cgroup/memory/runner/memory.limit_in_bytes=9223372036854771712"
  "/sys/fs/cgroup/memory/memory.limit_in_bytes=9223372036854771712")
expect_limit(v1_own 1024 "/runner/abc/memory.limit_in_bytes")
fake(v1_none "4:memory:/runner/abc\n" "${v1_mounts}"
  "/sys/fs/cgroup/memory/runner/abc/memory.limit_in_bytes=9223372036854771712")
expect_limit(v1_none "" "")
# Container with a cgroup namespace-like mount: the mount root is our own path.
fake(v2_container "0::/docker/c0ffee\n" "40 30 0:26 /docker/c0ffee /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n"
  "/sys/fs/cgroup/memory.max=2147483648")
expect_limit(v2_container 2048 "/sys/fs/cgroup/memory.max")
# Hybrid: v1 memory and v2 both mounted; the smaller wins.
fake(hybrid "4:memory:/a\n0::/a\n"
  "${v1_mounts}41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
  "/sys/fs/cgroup/memory/a/memory.limit_in_bytes=3221225472"
  "/sys/fs/cgroup/unified/a/memory.max=2147483648")
expect_limit(hybrid 2048 "/unified/a/memory.max")

# Usage is taken off each limit (issue 18): the job's parent has the larger limit but leaves less.
# v2: memory.current less memory.stat's inactive_file (reclaimable page cache).
fake(v2_used "0::/ci/job\n" "${v2_mount}"
  "/sys/fs/cgroup/ci/job/memory.max=4294967296"
  "/sys/fs/cgroup/ci/job/memory.current=1610612736"
  "/sys/fs/cgroup/ci/job/memory.stat=anon 1073741824\nfile 536870912\ninactive_file 536870912\nactive_file 0"
  "/sys/fs/cgroup/ci/memory.max=5368709120"
  "/sys/fs/cgroup/ci/memory.current=3221225472")
# job: 4096 - (1536 - 512) = 3072 MiB; ci: 5120 - 3072 = 2048 MiB, the least: ci wins.
expect_limit(v2_used 2048 "/ci/memory.max" 5120 3072)
# v1: memory.usage_in_bytes less total_inactive_file; used rounds up to whole MiB.
fake(v1_used "4:memory:/runner/abc\n" "${v1_mounts}"
  "/sys/fs/cgroup/memory/runner/abc/memory.limit_in_bytes=2147483648"
  "/sys/fs/cgroup/memory/runner/abc/memory.usage_in_bytes=314572801"
  "/sys/fs/cgroup/memory/runner/abc/memory.stat=cache 104857600\ntotal_inactive_file 104857600")
expect_limit(v1_used 1847 "/runner/abc/memory.limit_in_bytes" 2048 201)
# More in use than the limit (the kernel is reclaiming): nothing is free, never a negative figure.
fake(v2_over "0::/a\n" "${v2_mount}"
  "/sys/fs/cgroup/a/memory.max=1073741824"
  "/sys/fs/cgroup/a/memory.current=1207959552")
expect_limit(v2_over 0 "/a/memory.max" 1024 1152)

# ---- CPU quotas on fake trees ----------------------------------------------------------------------
function(expect_quota name want_millicpus want_where)
  set(_MM_PROC_SELF "${WORK}/${name}/proc")
  set(_MM_SYSROOT "${WORK}/${name}/sys")
  _mm_cgroup_cpu_quota(millicpus where)
  if(NOT "${millicpus}" STREQUAL "${want_millicpus}")
    message(FATAL_ERROR "cpu quota case ${name}: expected '${want_millicpus}' thousandths, got '${millicpus}' (${where})")
  endif()
  if(NOT want_where STREQUAL "" AND NOT where MATCHES "${want_where}$")
    message(FATAL_ERROR "cpu quota case ${name}: expected the quota from ${want_where}, got ${where}")
  endif()
endfunction()
# v2: "max" is no quota; the parent's 1.5 CPUs are less than the grandparent's 4.
fake(v2_cpu "0::/ci/job/test\n" "${v2_mount}"
  "/sys/fs/cgroup/ci/job/test/cpu.max=max 100000"
  "/sys/fs/cgroup/ci/job/cpu.max=150000 100000"
  "/sys/fs/cgroup/ci/cpu.max=400000 100000")
expect_quota(v2_cpu 1500 "/ci/job/cpu.max")
fake(v2_cpu_none "0::/user.slice\n" "${v2_mount}" "/sys/fs/cgroup/user.slice/cpu.max=max 100000")
expect_quota(v2_cpu_none "" "")
# v1: the cpu controller is mounted with cpuacct; -1 is no quota; the period need not be 100 ms.
set(v1_cpu_mount "36 31 0:33 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n")
fake(v1_cpu "2:cpu,cpuacct:/runner/abc\n" "${v1_cpu_mount}"
  "/sys/fs/cgroup/cpu,cpuacct/runner/abc/cpu.cfs_quota_us=300000"
  "/sys/fs/cgroup/cpu,cpuacct/runner/abc/cpu.cfs_period_us=50000"
  "/sys/fs/cgroup/cpu,cpuacct/runner/cpu.cfs_quota_us=-1"
  "/sys/fs/cgroup/cpu,cpuacct/runner/cpu.cfs_period_us=100000")
expect_quota(v1_cpu 6000 "/runner/abc/cpu.cfs_quota_us")
# cpuacct alone is not the cpu controller.
fake(v1_cpuacct_only "2:cpuacct:/x\n" "36 31 0:33 / /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct\n"
  "/sys/fs/cgroup/cpuacct/x/cpu.cfs_quota_us=100000"
  "/sys/fs/cgroup/cpuacct/x/cpu.cfs_period_us=100000")
expect_quota(v1_cpuacct_only "" "")

# ---- The CPU budget: environment, cache, then affinity lowered to a quota ------------------------
# cpus(<name> <Cpus_allowed_list> <cgroup file> <mountinfo> <file=content>...): a fake process.
function(expect_cpus name want_count want_source)
  set(_MM_PROC_SELF "${WORK}/${name}/proc")
  set(_MM_SYSROOT "${WORK}/${name}/sys")
  _mm_find_cpus("" count source)
  if(NOT count STREQUAL want_count OR NOT source MATCHES "${want_source}")
    message(FATAL_ERROR "cpu budget case ${name}: expected ${want_count} (${want_source}), got ${count} (${source})")
  endif()
endfunction()
fake(affinity_only "0::/a\n" "${v2_mount}" "/sys/fs/cgroup/a/cpu.max=max 100000")
file(WRITE "${WORK}/affinity_only/proc/status" "Name:\tcmake\nCpus_allowed:\tf3\nCpus_allowed_list:\t0-1,4-7\n")
expect_cpus(affinity_only 6 "^affinity 0-1,4-7; no cgroup CPU quota$")
# A quota of 1.5 CPUs on 6 allowed CPUs: rounded down to 1.
fake(quota_smaller "0::/a\n" "${v2_mount}" "/sys/fs/cgroup/a/cpu.max=150000 100000")
file(WRITE "${WORK}/quota_smaller/proc/status" "Cpus_allowed_list:\t0-1,4-7\n")
expect_cpus(quota_smaller 1 "^cgroup CPU quota 1\\.5 CPUs in .*/a/cpu\\.max; affinity 0-1,4-7$")
# Half a CPU still counts as one.
fake(quota_half "0::/a\n" "${v2_mount}" "/sys/fs/cgroup/a/cpu.max=50000 100000")
file(WRITE "${WORK}/quota_half/proc/status" "Cpus_allowed_list:\t3\n")
expect_cpus(quota_half 1 "^affinity 3; cgroup CPU quota 0\\.5 CPUs in ")
# A quota above the allowed CPUs does not raise the count.
fake(quota_larger "0::/a\n" "${v2_mount}" "/sys/fs/cgroup/a/cpu.max=800000 100000")
file(WRITE "${WORK}/quota_larger/proc/status" "Cpus_allowed_list:\t0-3\n")
expect_cpus(quota_larger 4 "^affinity 0-3; cgroup CPU quota 8 CPUs in ")
set(ENV{MMTEST_CPU_BUDGET} "007")
_mm_find_cpus("3" count source)
if(NOT count EQUAL 7 OR NOT source STREQUAL "environment variable MMTEST_CPU_BUDGET=007")
  message(FATAL_ERROR "environment CPU budget: got ${count} from ${source}")
endif()
set(ENV{MMTEST_CPU_BUDGET} "")
_mm_find_cpus("3" count source)
if(NOT count EQUAL 3 OR NOT source STREQUAL "cache variable MMTEST_CPU_BUDGET=3")
  message(FATAL_ERROR "cache CPU budget: got ${count} from ${source}")
endif()

# ---- The budget: environment first, exactly as given ---------------------------------------------
set(ENV{MMTEST_MEMORY_BUDGET} "6G")
_mm_find_budget("3G" mib source)
if(NOT mib EQUAL 6144 OR NOT source MATCHES "^environment variable MMTEST_MEMORY_BUDGET=6G$")
  message(FATAL_ERROR "environment budget: got ${mib} from ${source}")
endif()
set(ENV{MMTEST_MEMORY_BUDGET} "")
_mm_find_budget("3G" mib source)
if(NOT mib EQUAL 3072 OR NOT source MATCHES "^cache variable")
  message(FATAL_ERROR "cache budget: got ${mib} from ${source}")
endif()
# Measured: MemAvailable (or a cgroup limit) minus a reserve of 10 %, 256..2048 MiB.
_mm_find_budget("" mib source)
if(NOT source MATCHES "^(MemAvailable|cgroup limit) ([0-9]+) MiB.* - reserve ([0-9]+) MiB")
  message(FATAL_ERROR "measured budget: unexpected source '${source}'")
endif()
set(detected ${CMAKE_MATCH_2})
set(reserve ${CMAKE_MATCH_3})
math(EXPR expected "${detected} - ${reserve}")
if(NOT mib EQUAL expected OR reserve LESS 256 OR reserve GREATER 2048)
  message(FATAL_ERROR "measured budget: ${mib} MiB from '${source}'")
endif()

# ---- Result file names: readable, distinct, safe -------------------------------------------------
_mm_result_file(plain /r "order_book.replay-1")
_mm_result_file(spaced /r "a b")
_mm_result_file(underscored /r "a_b")
_mm_result_file(dotted /r "..")
_mm_result_file(slashed /r "a/../../etc")
if(NOT plain STREQUAL "/r/order_book.replay-1.json" OR spaced STREQUAL underscored
   OR NOT underscored STREQUAL "/r/a_b.json" OR NOT dotted MATCHES "^/r/__-[0-9a-f]+\\.json$"
   OR NOT slashed MATCHES "^/r/a_\\.\\._\\.\\._etc-[0-9a-f]+\\.json$")
  message(FATAL_ERROR "result files: ${plain} ${spaced} ${underscored} ${dotted} ${slashed}")
endif()

# ---- Quoting for generated code survives any text ------------------------------------------------
foreach(text "plain" "a;b" "q\"r" "s$t\\u" "\${HOME}" "[==[x]==]" "\nleading newline" "" "é✓")
  _mm_quote(quoted "${text}")
  cmake_language(EVAL CODE "set(back ${quoted})")
  if(NOT back STREQUAL text)
    message(FATAL_ERROR "quoting '${text}' gave ${quoted}, read back as '${back}'")
  endif()
endforeach()
