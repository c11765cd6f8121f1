# Distributed with mmtest.
#[=======================================================================[.rst:
MMTestRuntime
------------

The part of :module:`MMTest` that runs when ctest starts: the test-time memory and CPU budgets,
the resource spec and the start-order plan. The size grammar it shares with configure time lives
in ``internal/Units.cmake``, which both include.

This file has two uses:

* The hook that :command:`add_mm_test` adds to the generated ``CTestTestfile.cmake``
  includes it when ``ctest`` reads the test list. The hook measures the budgets, writes the
  resource spec file, sets ``CTEST_RESOURCE_SPEC_FILE``, names the tests that can never fit,
  prints one line saying which source each budget came from, and runs ``mmtest plan``, which
  writes the planned start order into CTest's cost file and prints one line about it.
* ``cmake -P MMTestRuntime.cmake`` prints the budgets this machine would give, the way
  ``ctest`` would see them::

    $ cmake -P lib/cmake/mmtest/MMTestRuntime.cmake
    mmtest: memory budget 19914 MiB (MemAvailable 22017 MiB - reserve 2048 MiB; no cgroup memory limit), 2 CPU(s) (affinity 0-1; no cgroup CPU quota)

Size grammar
^^^^^^^^^^^^

A size is a decimal number, optionally with a fraction, then an optional unit ``K``, ``M``,
``G`` or ``T`` with an optional ``i`` and an optional ``B``; case does not matter and units
are binary (``1K`` = 1024 bytes). No unit means bytes. Examples: ``536870912``, ``512M``,
``2G``, ``1.5GiB``, ``300MiB``, ``64kb``. No spaces; at most ``2048T`` (2^31 MiB). The
launcher ``mmtest-run --memory`` reads the same grammar: both are tested against one table of
cases, ``tests/conformance/units.txt``.

The budget
^^^^^^^^^^

The budget in MiB is, first found wins:

1. the environment variable ``MMTEST_MEMORY_BUDGET`` when ``ctest`` starts, used exactly;
2. the cache variable ``MMTEST_MEMORY_BUDGET`` of the build tree, used exactly;
3. the smallest of: what every cgroup memory limit on the path of the ``ctest`` process leaves
   (cgroup v2 ``memory.max``, cgroup v1 ``memory.limit_in_bytes``, from its own cgroup up to the
   root, each less what that cgroup's processes already use: ``memory.current`` or
   ``memory.usage_in_bytes`` without the inactive file cache of ``memory.stat``) and
   ``MemAvailable`` of ``/proc/meminfo``, minus a safety reserve of 10 % of that figure,
   at least 256 MiB and at most 2048 MiB. The reserve keeps room for ``ctest`` itself, the
   launchers, the page cache and whatever else the machine runs.

The CPU budget
^^^^^^^^^^^^^^

The number of CPUs the tests may keep busy at once, first found wins:

1. the environment variable ``MMTEST_CPU_BUDGET`` when ``ctest`` starts, a count, used exactly;
2. the cache variable ``MMTEST_CPU_BUDGET`` of the build tree, used exactly;
3. the CPUs in the ``ctest`` process's affinity (``Cpus_allowed_list``), lowered to the smallest
   cgroup CPU quota on its path when that is smaller (v2 ``cpu.max``, v1 ``cpu.cfs_quota_us`` /
   ``cpu.cfs_period_us``, from its own cgroup up to the root), rounded down but at least 1.
#]=======================================================================]

include_guard(GLOBAL)
cmake_policy(PUSH)
cmake_policy(VERSION 3.25...3.31)

# The size grammar, in a file of its own so that configure loads it without the rest of this one.
include("${CMAKE_CURRENT_LIST_DIR}/internal/Units.cmake")
# The CTest resource types the spec offers and the tests request.
include("${CMAKE_CURRENT_LIST_DIR}/internal/Resources.cmake")

# The constants live in functions: this file's variables would only be seen by the directory that
# included it first.
macro(_mm_runtime_constants)
  set(_MM_RESERVE_PERCENT 10)
  set(_MM_RESERVE_MIN_MIB 256)
  set(_MM_RESERVE_MAX_MIB 2048)
  # A cgroup "limit" at or above this many MiB means "no limit" (v1 shows 2^63 rounded to a page).
  set(_MM_CGROUP_UNLIMITED_MIB 4398046511104) # 2^42 MiB = 2^62 bytes
endmacro()

# _mm_cgroup_levels(<v1_controller> <out>)
#
# The cgroup directories whose limits apply to this process, each as "v2|<dir>" or "v1|<dir>":
# for the cgroup v2 hierarchy and for the v1 hierarchy of <v1_controller> (memory, cpu), every
# level from this process's own cgroup up to the root of the mount it is visible through.
# Empty when no cgroup is mounted. Tests point _MM_PROC_SELF and _MM_SYSROOT at a fake tree.
function(_mm_cgroup_levels v1_controller out)
  set(levels "")
  if(NOT DEFINED _MM_PROC_SELF)
    set(_MM_PROC_SELF "/proc/self")
  endif()
  if(NOT DEFINED _MM_SYSROOT)
    set(_MM_SYSROOT "")
  endif()
  if(NOT EXISTS "${_MM_PROC_SELF}/cgroup" OR NOT EXISTS "${_MM_PROC_SELF}/mountinfo")
    set(${out} "" PARENT_SCOPE)
    return()
  endif()
  file(STRINGS "${_MM_PROC_SELF}/cgroup" cgroup_lines)
  file(STRINGS "${_MM_PROC_SELF}/mountinfo" mount_lines)

  foreach(cgroup_line IN LISTS cgroup_lines)
    # "<id>:<controllers>:<path>"; v2 is "0::<path>", a v1 controller "<id>:cpu,cpuacct:<path>".
    if(cgroup_line MATCHES "^0::(.*)$")
      set(kind v2)
      set(path "${CMAKE_MATCH_1}")
    elseif(cgroup_line MATCHES "^[0-9]+:([^:]*,)?${v1_controller}(,[^:]*)?:(.*)$")
      set(kind v1)
      set(path "${CMAKE_MATCH_3}")
    else()
      continue()
    endif()

    foreach(mount_line IN LISTS mount_lines)
      # "<id> <parent> <major:minor> <root> <mount point> <options> ... - <fstype> <source> <super options>"
      if(NOT mount_line MATCHES "^[^ ]+ [^ ]+ [^ ]+ ([^ ]+) ([^ ]+) .* - (cgroup2?) [^ ]+ (.*)$")
        continue()
      endif()
      set(mount_root "${CMAKE_MATCH_1}")
      set(mount_point "${_MM_SYSROOT}${CMAKE_MATCH_2}")
      set(fstype "${CMAKE_MATCH_3}")
      set(super_options ",${CMAKE_MATCH_4},")
      if(kind STREQUAL "v2" AND NOT fstype STREQUAL "cgroup2")
        continue()
      endif()
      if(kind STREQUAL "v1" AND (NOT fstype STREQUAL "cgroup" OR NOT super_options MATCHES ",${v1_controller},"))
        continue()
      endif()

      # Inside a cgroup namespace the mount root is our own path; outside it is "/".
      set(relative "${path}")
      if(NOT mount_root STREQUAL "/")
        string(LENGTH "${mount_root}" root_len)
        string(SUBSTRING "${path}" 0 ${root_len} path_head)
        if(NOT path_head STREQUAL mount_root)
          continue() # our cgroup is not visible through this mount
        endif()
        string(SUBSTRING "${path}" ${root_len} -1 relative)
      endif()

      # From our own cgroup up to the mount's root: every level's limit applies.
      set(dir "${mount_point}${relative}")
      string(REGEX REPLACE "/+$" "" dir "${dir}")
      string(LENGTH "${mount_point}" mount_len)
      while(TRUE)
        list(APPEND levels "${kind}|${dir}")
        if(dir STREQUAL "${mount_point}" OR dir STREQUAL "")
          break()
        endif()
        get_filename_component(dir "${dir}" DIRECTORY)
        string(LENGTH "${dir}" dir_len)
        if(dir_len LESS mount_len)
          break()
        endif()
      endwhile()
    endforeach()
  endforeach()
  set(${out} "${levels}" PARENT_SCOPE)
endfunction()

# _mm_cgroup_limit_mib(<out_free_mib> <out_where> <out_limit_mib> <out_used_mib>)
#
# What the cgroups on the path of this process leave for the tests, v2 and v1: at each level with
# a memory limit, the limit minus what the level's processes already use (their working set:
# v2 memory.current, v1 memory.usage_in_bytes, less the inactive file cache of memory.stat, which
# the kernel reclaims before it would kill anything), and of all levels the one that leaves least.
# <out_free_mib> is that in MiB, <out_where> the limit's file, <out_limit_mib> and <out_used_mib>
# its two parts (used 0 where the usage files are missing). All empty when no limit applies or no
# cgroup is mounted.
function(_mm_cgroup_limit_mib out_free_mib out_where out_limit_mib out_used_mib)
  _mm_runtime_constants()
  set(best "")
  set(best_where "")
  set(best_limit "")
  set(best_used "")
  _mm_cgroup_levels(memory levels)
  foreach(level IN LISTS levels)
    if(level MATCHES "^v2\\|(.*)$")
      set(dir "${CMAKE_MATCH_1}")
      set(file "${dir}/memory.max")
      set(usage_file "${dir}/memory.current")
      set(inactive_key "inactive_file")
    else()
      string(SUBSTRING "${level}" 3 -1 dir)
      set(file "${dir}/memory.limit_in_bytes")
      set(usage_file "${dir}/memory.usage_in_bytes")
      set(inactive_key "total_inactive_file")
    endif()
    if(NOT EXISTS "${file}")
      continue()
    endif()
    file(STRINGS "${file}" value LIMIT_COUNT 1)
    # "max" (v2) and 2^63 rounded to a page (v1) mean no limit.
    if(NOT value MATCHES "^[0-9]+$")
      continue()
    endif()
    string(LENGTH "${value}" value_len)
    if(value_len GREATER_EQUAL 19 AND NOT value STRLESS "4611686018427387904")
      continue()
    endif()
    math(EXPR limit_mib "${value} >> 20")
    if(limit_mib GREATER_EQUAL ${_MM_CGROUP_UNLIMITED_MIB})
      continue()
    endif()
    set(used_bytes 0)
    if(EXISTS "${usage_file}")
      file(STRINGS "${usage_file}" usage LIMIT_COUNT 1)
      if(usage MATCHES "^[0-9]+$")
        set(used_bytes "${usage}")
        if(EXISTS "${dir}/memory.stat")
          file(STRINGS "${dir}/memory.stat" inactive REGEX "^${inactive_key} [0-9]+$" LIMIT_COUNT 1)
          if(inactive MATCHES " ([0-9]+)$" AND CMAKE_MATCH_1 LESS_EQUAL used_bytes)
            math(EXPR used_bytes "${used_bytes} - ${CMAKE_MATCH_1}")
          endif()
        endif()
      endif()
    endif()
    # Rounded up: what is in use is never counted as free.
    math(EXPR used_mib "(${used_bytes} + 1048575) >> 20")
    math(EXPR free_mib "${limit_mib} - ${used_mib}")
    if(free_mib LESS 0)
      set(free_mib 0)
    endif()
    if(best STREQUAL "" OR free_mib LESS best)
      set(best "${free_mib}")
      set(best_where "${file}")
      set(best_limit "${limit_mib}")
      set(best_used "${used_mib}")
    endif()
  endforeach()
  set(${out_free_mib} "${best}" PARENT_SCOPE)
  set(${out_where} "${best_where}" PARENT_SCOPE)
  set(${out_limit_mib} "${best_limit}" PARENT_SCOPE)
  set(${out_used_mib} "${best_used}" PARENT_SCOPE)
endfunction()

# _mm_cgroup_cpu_quota(<out_millicpus> <out_where>)
#
# The smallest cgroup CPU quota on the path of this process in thousandths of a CPU (quota /
# period: cgroup v2 cpu.max "<quota> <period>", v1 cpu.cfs_quota_us / cpu.cfs_period_us), and the
# file it came from. Empty when no quota applies ("max", -1) or no cgroup is mounted.
function(_mm_cgroup_cpu_quota out_millicpus out_where)
  set(best "")
  set(best_where "")
  _mm_cgroup_levels(cpu levels)
  foreach(level IN LISTS levels)
    set(quota "")
    if(level MATCHES "^v2\\|(.*)$")
      set(file "${CMAKE_MATCH_1}/cpu.max")
      if(EXISTS "${file}")
        file(STRINGS "${file}" value LIMIT_COUNT 1)
        if(value MATCHES "^([0-9]+) ([0-9]+)$")
          set(quota "${CMAKE_MATCH_1}")
          set(period "${CMAKE_MATCH_2}")
        endif()
      endif()
    else()
      string(SUBSTRING "${level}" 3 -1 dir)
      set(file "${dir}/cpu.cfs_quota_us")
      if(EXISTS "${file}" AND EXISTS "${dir}/cpu.cfs_period_us")
        file(STRINGS "${file}" value LIMIT_COUNT 1)
        file(STRINGS "${dir}/cpu.cfs_period_us" period LIMIT_COUNT 1)
        if(value MATCHES "^[0-9]+$" AND period MATCHES "^[0-9]+$")
          set(quota "${value}")
        endif()
      endif()
    endif()
    # Quotas and periods are microseconds, at most about 2^44 (v2) or 2^63 (v1): bound the
    # digits before multiplying in 64 bits.
    string(LENGTH "${quota}" quota_len)
    string(LENGTH "${period}" period_len)
    if(quota STREQUAL "" OR quota_len GREATER 15 OR period_len GREATER 15 OR NOT period MATCHES "^[0-9]*[1-9][0-9]*$")
      continue()
    endif()
    string(REGEX REPLACE "^0+" "" period "${period}")
    string(REGEX REPLACE "^0+([0-9])" "\\1" quota "${quota}")
    math(EXPR millicpus "${quota} * 1000 / ${period}")
    if(best STREQUAL "" OR millicpus LESS best)
      set(best "${millicpus}")
      set(best_where "${file}")
    endif()
  endforeach()
  set(${out_millicpus} "${best}" PARENT_SCOPE)
  set(${out_where} "${best_where}" PARENT_SCOPE)
endfunction()

# _mm_affinity_cpus(<out_count> <out_list>)
#
# How many CPUs this process may run on, and their list as the kernel writes it ("0-3,8"), from
# Cpus_allowed_list of /proc/self/status. Without it (not Linux): the logical cores CMake sees,
# and an empty list.
function(_mm_affinity_cpus out_count out_list)
  if(NOT DEFINED _MM_PROC_SELF)
    set(_MM_PROC_SELF "/proc/self")
  endif()
  set(count 0)
  set(allowed "")
  if(EXISTS "${_MM_PROC_SELF}/status")
    file(STRINGS "${_MM_PROC_SELF}/status" lines REGEX "^Cpus_allowed_list:")
    if(lines MATCHES "^Cpus_allowed_list:[ \t]*([0-9,-]+)")
      set(allowed "${CMAKE_MATCH_1}")
      string(REPLACE "," ";" ranges "${allowed}")
      foreach(range IN LISTS ranges)
        if(range MATCHES "^([0-9]+)-([0-9]+)$")
          math(EXPR count "${count} + ${CMAKE_MATCH_2} - ${CMAKE_MATCH_1} + 1")
        elseif(range MATCHES "^[0-9]+$")
          math(EXPR count "${count} + 1")
        endif()
      endforeach()
    endif()
  endif()
  if(count LESS 1)
    cmake_host_system_information(RESULT count QUERY NUMBER_OF_LOGICAL_CORES)
    set(allowed "")
  endif()
  set(${out_count} "${count}" PARENT_SCOPE)
  set(${out_list} "${allowed}" PARENT_SCOPE)
endfunction()

# _mm_mem_available_mib(<out_mib>)
function(_mm_mem_available_mib out_mib)
  set(mib "")
  if(EXISTS "/proc/meminfo")
    file(STRINGS "/proc/meminfo" lines REGEX "^MemAvailable:")
    if(lines MATCHES "^MemAvailable: *([0-9]+) kB")
      math(EXPR mib "${CMAKE_MATCH_1} >> 10")
    endif()
  endif()
  if(mib STREQUAL "")
    cmake_host_system_information(RESULT mib QUERY AVAILABLE_PHYSICAL_MEMORY)
  endif()
  set(${out_mib} "${mib}" PARENT_SCOPE)
endfunction()

# _mm_find_budget(<cache_budget> <out_mib> <out_source>)
#
# The budget in MiB and a sentence naming where it came from. A malformed explicit budget is a
# fatal error: running unthrottled because of a typo is exactly the silent failure mmtest exists
# to prevent.
function(_mm_find_budget cache_budget out_mib out_source)
  _mm_runtime_constants()
  if(NOT "$ENV{MMTEST_MEMORY_BUDGET}" STREQUAL "")
    _mm_size_to_mib("$ENV{MMTEST_MEMORY_BUDGET}" ROUND_DOWN mib error)
    if(error)
      message(FATAL_ERROR "mmtest: environment variable MMTEST_MEMORY_BUDGET ${error}")
    endif()
    set(${out_mib} "${mib}" PARENT_SCOPE)
    set(${out_source} "environment variable MMTEST_MEMORY_BUDGET=$ENV{MMTEST_MEMORY_BUDGET}" PARENT_SCOPE)
    return()
  endif()
  if(NOT "${cache_budget}" STREQUAL "")
    _mm_size_to_mib("${cache_budget}" ROUND_DOWN mib error)
    if(error)
      message(FATAL_ERROR "mmtest: cache variable MMTEST_MEMORY_BUDGET ${error}")
    endif()
    set(${out_mib} "${mib}" PARENT_SCOPE)
    set(${out_source} "cache variable MMTEST_MEMORY_BUDGET=${cache_budget}" PARENT_SCOPE)
    return()
  endif()

  _mm_mem_available_mib(available_mib)
  _mm_cgroup_limit_mib(cgroup_mib cgroup_where cgroup_limit_mib cgroup_used_mib)
  set(detected_mib "${available_mib}")
  set(detail "MemAvailable ${available_mib} MiB")
  if(cgroup_mib STREQUAL "")
    set(cgroup_detail "no cgroup memory limit")
  else()
    # A cgroup's limit is not what is free in it: what its processes use already is taken off.
    set(cgroup_detail "cgroup limit ${cgroup_limit_mib} MiB in ${cgroup_where}, ${cgroup_used_mib} MiB in use")
    if(cgroup_mib LESS available_mib)
      set(detected_mib "${cgroup_mib}")
      set(detail "${cgroup_detail}")
      set(cgroup_detail "MemAvailable ${available_mib} MiB")
    endif()
  endif()

  math(EXPR reserve_mib "${detected_mib} * ${_MM_RESERVE_PERCENT} / 100")
  if(reserve_mib LESS ${_MM_RESERVE_MIN_MIB})
    set(reserve_mib ${_MM_RESERVE_MIN_MIB})
  elseif(reserve_mib GREATER ${_MM_RESERVE_MAX_MIB})
    set(reserve_mib ${_MM_RESERVE_MAX_MIB})
  endif()
  math(EXPR budget_mib "${detected_mib} - ${reserve_mib}")
  if(budget_mib LESS 1)
    set(budget_mib 1)
  endif()
  set(${out_mib} "${budget_mib}" PARENT_SCOPE)
  set(${out_source} "${detail} - reserve ${reserve_mib} MiB; ${cgroup_detail}" PARENT_SCOPE)
endfunction()

# _mm_find_cpus(<cache_cpus> <out_count> <out_source>)
#
# The CPU budget: how many CPUs the tests of one ctest run may keep busy at once, and a sentence
# naming where it came from. First found wins: the environment variable MMTEST_CPU_BUDGET, the
# cache variable (<cache_cpus>), else the CPUs in this process's affinity, lowered to a cgroup CPU
# quota when one is smaller. A quota is rounded down, but never below one CPU: a partial CPU
# would run a test at a fraction of its speed. A malformed explicit budget is a fatal error.
function(_mm_find_cpus cache_cpus out_count out_source)
  foreach(source ENV CACHE)
    if(source STREQUAL "ENV")
      set(value "$ENV{MMTEST_CPU_BUDGET}")
      set(what "environment variable")
    else()
      set(value "${cache_cpus}")
      set(what "cache variable")
    endif()
    if("${value}" STREQUAL "")
      continue()
    endif()
    string(LENGTH "${value}" value_len)
    if(NOT value MATCHES "^0*([1-9][0-9]*)$" OR value_len GREATER 6)
      message(FATAL_ERROR "mmtest: ${what} MMTEST_CPU_BUDGET expects a count of CPUs like 4 (1 to 999999), got '${value}'")
    endif()
    set(${out_count} "${CMAKE_MATCH_1}" PARENT_SCOPE)
    set(${out_source} "${what} MMTEST_CPU_BUDGET=${value}" PARENT_SCOPE)
    return()
  endforeach()

  _mm_affinity_cpus(count allowed)
  if(allowed STREQUAL "")
    set(affinity "${count} logical cores")
  else()
    set(affinity "affinity ${allowed}")
  endif()
  _mm_cgroup_cpu_quota(millicpus quota_where)
  if(millicpus STREQUAL "")
    set(${out_count} "${count}" PARENT_SCOPE)
    set(${out_source} "${affinity}; no cgroup CPU quota" PARENT_SCOPE)
    return()
  endif()
  math(EXPR whole "${millicpus} / 1000")
  math(EXPR fraction "${millicpus} % 1000 + 1000")  # 1000..1999: its last three digits, zero-padded
  string(SUBSTRING "${fraction}" 1 3 fraction)
  set(shown "${whole}")
  if(NOT fraction STREQUAL "000")
    # Trailing zeros off; the dot keeps the match from being empty, which CMake refuses.
    string(REGEX REPLACE "0*\\.$" "" fraction "${fraction}.")
    string(APPEND shown ".${fraction}")
  endif()
  set(quota "cgroup CPU quota ${shown} CPUs in ${quota_where}")
  if(whole LESS 1)
    set(whole 1)
  endif()
  if(whole LESS count)
    set(${out_count} "${whole}" PARENT_SCOPE)
    set(${out_source} "${quota}; ${affinity}" PARENT_SCOPE)
  else()
    set(${out_count} "${count}" PARENT_SCOPE)
    set(${out_source} "${affinity}; ${quota}" PARENT_SCOPE)
  endif()
endfunction()

# _mm_ctest_arguments(<out>): this process's command line as a list (the ctest-time hook runs
# inside ctest), from /proc/self/cmdline; empty where there is none. An argument holding ';' is
# left out: the list could not hold it, and none that matters here has one.
function(_mm_ctest_arguments out)
  if(NOT DEFINED _MM_PROC_SELF)
    set(_MM_PROC_SELF "/proc/self")
  endif()
  set(arguments "")
  if(EXISTS "${_MM_PROC_SELF}/cmdline")
    # CMake strings cannot hold the NUL bytes between arguments: read hex and decode.
    file(READ "${_MM_PROC_SELF}/cmdline" hex HEX)
    string(REGEX MATCHALL ".." bytes "${hex}")
    set(argument "")
    foreach(byte IN LISTS bytes)
      if(byte STREQUAL "00")
        if(NOT argument MATCHES ";")
          list(APPEND arguments "${argument}")
        endif()
        set(argument "")
      else()
        math(EXPR code "0x${byte}")
        string(ASCII ${code} char)
        string(APPEND argument "${char}")
      endif()
    endforeach()
  endif()
  set(${out} "${arguments}" PARENT_SCOPE)
endfunction()

# _mm_check_parallel_level(<cpus> <arguments>): says in one line when the -j/--parallel given to
# this ctest (<arguments>: _mm_ctest_arguments()) makes CTest run one test at a time although the
# user did not ask for -j1. CTest before 3.29 reads a missing, 0 or non-numeric level ('-j auto')
# as 0 and runs serially without a word; 3.29 and later take those as "every CPU" or refuse them
# themselves.
function(_mm_check_parallel_level cpus arguments)
  if(NOT CMAKE_VERSION VERSION_LESS 3.29)
    return()
  endif()
  list(LENGTH arguments count)
  set(index 1)
  set(given "")
  while(index LESS count)
    list(GET arguments ${index} argument)
    math(EXPR index "${index} + 1")
    set(level "")
    set(has_level FALSE)
    if(argument STREQUAL "-j" OR argument STREQUAL "--parallel")
      set(given "${argument}")
      if(index LESS count)
        list(GET arguments ${index} next)
        if(NOT next MATCHES "^-")
          set(level "${next}")
          set(has_level TRUE)
          string(APPEND given " ${next}")
          math(EXPR index "${index} + 1")
        endif()
      endif()
    elseif(argument MATCHES "^-j(.+)$")
      set(given "${argument}")
      set(level "${CMAKE_MATCH_1}")
      set(has_level TRUE)
    else()
      continue()
    endif()
    # The last -j wins, as in CTest.
    set(serial FALSE)
    if(NOT has_level OR NOT level MATCHES "^[0-9]+$" OR level MATCHES "^0+$")
      set(serial TRUE)
    endif()
    set(last_given "${given}")
    set(last_serial ${serial})
  endwhile()
  if(last_serial)
    message("mmtest: CTest ${CMAKE_VERSION} reads '${last_given}' as 0 and runs one test at a time; for "
      "every CPU, leave -j out of 'ctest --preset <name>' (its preset sets the jobs) or give a number, "
      "e.g. '-j ${cpus}' (this run's CPU budget); '-j 1' runs one at a time on purpose")
  endif()
endfunction()

# _mm_gpu_ids(<out_list>)
#
# GPU ids for the spec: MMTEST_GPUS (a count) when set, else the NVIDIA device nodes present.
function(_mm_gpu_ids out_list)
  set(ids "")
  if(NOT "$ENV{MMTEST_GPUS}" STREQUAL "")
    if(NOT "$ENV{MMTEST_GPUS}" MATCHES "^[0-9]+$")
      message(FATAL_ERROR "mmtest: environment variable MMTEST_GPUS expects a count like 2, got '$ENV{MMTEST_GPUS}'")
    endif()
    if("$ENV{MMTEST_GPUS}" GREATER 0)
      math(EXPR last "$ENV{MMTEST_GPUS} - 1")
      foreach(i RANGE 0 ${last})
        list(APPEND ids ${i})
      endforeach()
    endif()
  else()
    file(GLOB nodes "/dev/nvidia[0-9]*")
    foreach(node IN LISTS nodes)
      if(node MATCHES "/dev/nvidia([0-9]+)$")
        list(APPEND ids ${CMAKE_MATCH_1})
      endif()
    endforeach()
    list(SORT ids COMPARE NATURAL)
  endif()
  set(${out_list} "${ids}" PARENT_SCOPE)
endfunction()

# _mm_given_resource_spec(<arguments> <out>)
#
# The file given to this ctest with --resource-spec-file (<arguments>: _mm_ctest_arguments()), as
# an absolute path (relative to ctest's working directory), or empty. CTest then schedules by that file and never reads the spec the
# hook would write. (A resourceSpecFile set in a test preset does not show on the command line and
# is not seen here: give the file with --resource-spec-file to have mmtest plan against it.)
function(_mm_given_resource_spec arguments out)
  if(NOT DEFINED _MM_PROC_SELF)
    set(_MM_PROC_SELF "/proc/self")
  endif()
  set(given "")
  set(take_next FALSE)
  foreach(argument IN LISTS arguments)
    if(take_next)
      set(given "${argument}")
      set(take_next FALSE)
    elseif(argument STREQUAL "--resource-spec-file")
      set(take_next TRUE)
    endif()
  endforeach()
  if(NOT given STREQUAL "" AND NOT IS_ABSOLUTE "${given}")
    file(REAL_PATH "${_MM_PROC_SELF}/cwd" cwd)
    get_filename_component(given "${given}" ABSOLUTE BASE_DIR "${cwd}")
  endif()
  set(${out} "${given}" PARENT_SCOPE)
endfunction()

# _mm_read_resource_spec(<file> <out_memory_mib> <out_cpus> <out_gpus>)
#
# What a resource spec file gives mmtest's tests: the most mmtest_memory_mib slots of any one id
# (a test's memory comes from one id), the number of mmtest_cpus ids and of gpus ids. A file that
# cannot be read, is not a version 1 spec or lacks mmtest_memory_mib or mmtest_cpus stops ctest
# with one line: CTest would run none of mmtest's tests with it.
function(_mm_read_resource_spec file out_memory_mib out_cpus out_gpus)
  _mm_resource_names()
  set(what "mmtest: the resource spec ${file} given to ctest (--resource-spec-file)")
  if(NOT EXISTS "${file}" OR IS_DIRECTORY "${file}")
    message(FATAL_ERROR "${what} does not exist")
  endif()
  file(READ "${file}" text)
  string(JSON major ERROR_VARIABLE error GET "${text}" version major)
  if(error OR NOT major EQUAL 1)
    message(FATAL_ERROR "${what} is not a version 1 resource spec (${error})")
  endif()
  string(JSON memory_ids ERROR_VARIABLE error LENGTH "${text}" local 0 ${_MM_MEMORY_RESOURCE})
  if(error OR memory_ids EQUAL 0)
    message(FATAL_ERROR "${what} has no ${_MM_MEMORY_RESOURCE} resource: CTest would run none of mmtest's "
      "tests; add one, e.g. \"${_MM_MEMORY_RESOURCE}\": [ { \"id\": \"0\", \"slots\": 4096 } ]")
  endif()
  set(memory_mib 0)
  math(EXPR last "${memory_ids} - 1")
  foreach(i RANGE 0 ${last})
    string(JSON slots ERROR_VARIABLE error GET "${text}" local 0 ${_MM_MEMORY_RESOURCE} ${i} slots)
    if(NOT error AND slots GREATER memory_mib)
      set(memory_mib "${slots}")
    endif()
  endforeach()
  string(JSON cpus ERROR_VARIABLE error LENGTH "${text}" local 0 ${_MM_CPU_RESOURCE})
  if(error OR cpus EQUAL 0)
    message(FATAL_ERROR "${what} has no ${_MM_CPU_RESOURCE} resource: CTest would run none of mmtest's tests "
      "(each holds one id of it per CPU it uses); add one id per CPU, e.g. \"${_MM_CPU_RESOURCE}\": "
      "[ { \"id\": \"0\", \"slots\": 1 }, { \"id\": \"1\", \"slots\": 1 } ]")
  endif()
  string(JSON gpus ERROR_VARIABLE error LENGTH "${text}" local 0 gpus)
  if(error)
    set(gpus 0)
  endif()
  set(${out_memory_mib} "${memory_mib}" PARENT_SCOPE)
  set(${out_cpus} "${cpus}" PARENT_SCOPE)
  set(${out_gpus} "${gpus}" PARENT_SCOPE)
endfunction()

# _mm_write_resource_spec(<file> <memory_mib> <cpu_count> <gpu_ids>)
#
# Writes CTest's resource spec atomically: two ctest runs in one build tree must never read a
# half-written file. Memory is one pool of MiB slots; each CPU and each GPU is an id with one slot,
# so that a test asking for two gets two distinct ids (the launcher pins to CPU ids; see
# docs/launcher.md). CPU id <i> stands for the i-th CPU the test may run on, not a CPU number.
function(_mm_write_resource_spec file memory_mib cpu_count gpu_ids)
  _mm_resource_names()
  set(cpus "")
  math(EXPR last_cpu "${cpu_count} - 1")
  foreach(id RANGE 0 ${last_cpu})
    if(NOT cpus STREQUAL "")
      string(APPEND cpus ", ")
    endif()
    string(APPEND cpus "{ \"id\": \"${id}\", \"slots\": 1 }")
  endforeach()
  set(gpus "")
  foreach(id IN LISTS gpu_ids)
    if(NOT gpus STREQUAL "")
      string(APPEND gpus ", ")
    endif()
    string(APPEND gpus "{ \"id\": \"${id}\", \"slots\": 1 }")
  endforeach()
  set(json "{\n  \"version\": { \"major\": 1, \"minor\": 0 },\n  \"local\": [\n    {\n")
  string(APPEND json "      \"${_MM_MEMORY_RESOURCE}\": [ { \"id\": \"0\", \"slots\": ${memory_mib} } ],\n")
  string(APPEND json "      \"${_MM_CPU_RESOURCE}\": [ ${cpus} ],\n")
  string(APPEND json "      \"gpus\": [ ${gpus} ]\n    }\n  ]\n}\n")
  string(RANDOM LENGTH 8 suffix)
  file(WRITE "${file}.${suffix}.tmp" "${json}")
  file(RENAME "${file}.${suffix}.tmp" "${file}")
endfunction()

# _mm_ctest_prepare(SPEC_FILE <file> MANIFEST <file> [CACHE_BUDGET <size>] [CACHE_CPUS <n>]
#                   [PLANNER_FILE <file>] [RECORDS <dir>...] [GTEST_FILES <file>...])
#
# Runs once per ctest invocation, from the hook in CTestTestfile.cmake: finds the memory and CPU
# budgets, writes the spec, points CTest at it, names every test that can never fit, brings the
# GoogleTest case lists up to date and plans the start order.
macro(_mm_ctest_prepare)
  cmake_parse_arguments(_mm_prep "" "SPEC_FILE;MANIFEST;CACHE_BUDGET;CACHE_CPUS;PLANNER_FILE;HISTORY" "RECORDS;GTEST_FILES" ${ARGN})
  # ctest's own command line, read once: the given resource spec and the -j trap both look at it.
  _mm_ctest_arguments(_mm_ctest_args)
  _mm_given_resource_spec("${_mm_ctest_args}" _mm_given_spec)
  if(_mm_given_spec STREQUAL "")
    _mm_find_budget("${_mm_prep_CACHE_BUDGET}" _mm_budget_mib _mm_budget_source)
    _mm_find_cpus("${_mm_prep_CACHE_CPUS}" _mm_cpu_count _mm_cpu_source)
    _mm_gpu_ids(_mm_gpu_ids)
    list(LENGTH _mm_gpu_ids _mm_gpu_count)
    set(_mm_budget_fix "raise MMTEST_MEMORY_BUDGET")
    set(_mm_cpu_fix "raise MMTEST_CPU_BUDGET")
    _mm_write_resource_spec("${_mm_prep_SPEC_FILE}" "${_mm_budget_mib}" "${_mm_cpu_count}" "${_mm_gpu_ids}")
    # CTest reads this variable after the whole test list, unless --resource-spec-file was given.
    set(CTEST_RESOURCE_SPEC_FILE "${_mm_prep_SPEC_FILE}")
    message("mmtest: memory budget ${_mm_budget_mib} MiB (${_mm_budget_source}), "
      "${_mm_cpu_count} CPU(s) (${_mm_cpu_source}), ${_mm_gpu_count} GPU(s); resource spec ${_mm_prep_SPEC_FILE}")
  else()
    # The spec CTest schedules by is the user's: plan against it, name the tests it can never
    # run, and keep a copy where `mmtest report` and `mmtest shard` read the run's spec.
    _mm_read_resource_spec("${_mm_given_spec}" _mm_budget_mib _mm_cpu_count _mm_gpu_count)
    set(_mm_budget_source "the resource spec ${_mm_given_spec} given to ctest")
    set(_mm_cpu_source "${_mm_budget_source}")
    _mm_resource_names()
    set(_mm_budget_fix "raise ${_MM_MEMORY_RESOURCE} in ${_mm_given_spec}")
    set(_mm_cpu_fix "add ${_MM_CPU_RESOURCE} ids to ${_mm_given_spec}")
    file(COPY_FILE "${_mm_given_spec}" "${_mm_prep_SPEC_FILE}")
    message("mmtest: memory budget ${_mm_budget_mib} MiB, ${_mm_cpu_count} CPU(s), ${_mm_gpu_count} GPU(s) from "
      "the resource spec ${_mm_given_spec} given to ctest (--resource-spec-file), not measured; copied to "
      "${_mm_prep_SPEC_FILE} for mmtest report")
  endif()
  _mm_check_parallel_level(${_mm_cpu_count} "${_mm_ctest_args}")
  if(EXISTS "${_mm_prep_MANIFEST}")
    include("${_mm_prep_MANIFEST}")
    if(NOT "${_mm_prep_PLANNER_FILE}" STREQUAL "")
      # Discovery first (only where a list is missing or older than its executable): the plan
      # then covers the cases of this very run. The same files add the tests afterwards.
      set(_MM_GTEST_LIST_ONLY TRUE)
      foreach(_mm_gtest_file IN LISTS _mm_prep_GTEST_FILES)
        include("${_mm_gtest_file}")
      endforeach()
      unset(_MM_GTEST_LIST_ONLY)
      _mm_plan_start_order("${_mm_prep_PLANNER_FILE}" "${_mm_prep_MANIFEST}" "${_mm_budget_mib}"
        "${_mm_cpu_count}" "${_mm_prep_RECORDS}" "${_mm_prep_HISTORY}")
    endif()
  endif()
endmacro()

# _mm_plan_start_order(<planner_file> <manifest> <budget_mib> <cpus> <records_dirs> <history>)
#
# Runs `mmtest plan`, which first adds the last run's records to the history (the environment
# variable MMTEST_HISTORY, else <history>) before this run overwrites them, then writes each mmtest test's cost into CTest's cost file: CTest reads that
# file after the test list, for tests whose COST property is 0 (add_mm_test leaves it so), and
# starts tests in decreasing cost. The file is relative to the directory ctest runs in, which is
# the working directory while it reads the first CTestTestfile.cmake, where the hook runs. Not
# planning costs a slower schedule, never the budget: a failure is reported, not fatal.
function(_mm_plan_start_order planner_file manifest budget_mib cpus records history)
  set(_mm_planner "")
  if(EXISTS "${planner_file}")
    include("${planner_file}")
  endif()
  if("${_mm_planner}" STREQUAL "" OR NOT EXISTS "${_mm_planner}")
    message("mmtest: start order not planned: mmtest not found ('${_mm_planner}', from "
      "${planner_file}); CTest starts the tests in its own order")
    return()
  endif()
  set(args --manifest "${manifest}" --budget-mib "${budget_mib}" --cpus "${cpus}"
    --cost-data "Testing/Temporary/CTestCostData.txt")
  foreach(dir IN LISTS records)
    list(APPEND args --records "${dir}")
  endforeach()
  if(NOT "$ENV{MMTEST_HISTORY}" STREQUAL "")
    set(history "$ENV{MMTEST_HISTORY}")
  endif()
  if(NOT "${history}" STREQUAL "")
    list(APPEND args --history "${history}")
  endif()
  execute_process(COMMAND "${_mm_planner}" plan ${args}
    RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err
    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_STRIP_TRAILING_WHITESPACE)
  if(status EQUAL 0)
    message("${out}")
  else()
    message("mmtest: start order not planned: ${_mm_planner} failed (${status}): ${err}; "
      "CTest starts the tests in its own order")
  endif()
endfunction()

# _mm_need(<subject> <memory_mib> <gpus> [<timeout_seconds> [<cpus>]])
#
# Called by the manifest for each test (or each GoogleTest target) with its needs. The timeout in
# whole seconds is read by `mmtest plan` only; the CPUs default to one.
function(_mm_need name memory_mib gpus)
  set(cpus 1)
  if(ARGC GREATER 4)
    set(cpus "${ARGV4}")
  endif()
  if(cpus GREATER _mm_cpu_count)
    message("mmtest: ${name} needs ${cpus} CPUs but the CPU budget is ${_mm_cpu_count} "
      "(${_mm_cpu_source}): it cannot run here and CTest will report it as Not Run; "
      "lower its PROCESSORS or ${_mm_cpu_fix}")
  endif()
  if(memory_mib GREATER _mm_budget_mib)
    message("mmtest: ${name} needs ${memory_mib} MiB but the memory budget is ${_mm_budget_mib} MiB "
      "(${_mm_budget_source}): it cannot run here and CTest will report it as Not Run; "
      "lower its MEMORY or ${_mm_budget_fix}")
  endif()
  if(gpus GREATER _mm_gpu_count)
    message("mmtest: ${name} needs ${gpus} GPU(s) but ${_mm_gpu_count} were found: it cannot run here "
      "and CTest will report it as Not Run; set MMTEST_GPUS if GPUs are present")
  endif()
endfunction()

if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  _mm_find_budget("" _mm_budget_mib _mm_budget_source)
  _mm_find_cpus("" _mm_cpu_count _mm_cpu_source)
  message("mmtest: memory budget ${_mm_budget_mib} MiB (${_mm_budget_source}), "
    "${_mm_cpu_count} CPU(s) (${_mm_cpu_source})")
endif()

cmake_policy(POP)
