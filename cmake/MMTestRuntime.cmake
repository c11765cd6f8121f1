# Distributed with mmtest.
#[=======================================================================[.rst:
MMTestRuntime
------------

The part of :module:`MMTest` that runs when ctest starts. It is a thin caller of the ``mmtest``
tool (C++, ``mmtest plan``), which owns what happens there: the memory, CPU and GPU budgets, the
resource spec, the tests that can never run, the ``-j`` trap and the start-order plan.

This file has two uses:

* The hook that :command:`add_mm_test` adds to the generated ``CTestTestfile.cmake``
  includes it when ``ctest`` reads the test list. The hook brings the GoogleTest case lists up to
  date, then runs ``mmtest plan --spec-file``, which sets the budgets, writes the resource spec,
  prints one line saying which source each budget came from, names the tests that can never fit
  and writes the planned start order into CTest's cost file; the hook prints what it says and sets
  ``CTEST_RESOURCE_SPEC_FILE``. Without the tool, or when the budgets cannot be set (a malformed
  ``MMTEST_MEMORY_BUDGET``, a given spec CTest would run none of the tests with), ``ctest`` stops
  with one line: running the tests without a budget is what mmtest exists to prevent.
* ``cmake -P MMTestRuntime.cmake`` prints the budgets this machine would give, the way
  ``ctest`` would see them (``mmtest plan --budgets``, the tool found beside this file's install
  or on ``PATH``)::

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
   root of each mount ``/proc/self/mountinfo`` shows it through, each less what that cgroup's
   processes already use: ``memory.current`` or
   ``memory.usage_in_bytes`` without the inactive file cache of ``memory.stat``) and
   ``MemAvailable`` of ``/proc/meminfo``, minus a safety reserve of 10 % of that figure,
   at least 256 MiB and at most 2048 MiB. The reserve keeps room for ``ctest`` itself, the
   launchers, the page cache and whatever else the machine runs.

The CPU budget
^^^^^^^^^^^^^^

The number of CPUs the tests may keep busy at once, first found wins:

1. the environment variable ``MMTEST_CPU_BUDGET`` when ``ctest`` starts, a count, used exactly;
2. the cache variable ``MMTEST_CPU_BUDGET`` of the build tree, used exactly;
3. the CPUs in the ``ctest`` process's affinity (``sched_getaffinity``), lowered to the smallest
   cgroup CPU quota on its path when that is smaller (v2 ``cpu.max``, v1 ``cpu.cfs_quota_us`` /
   ``cpu.cfs_period_us``, from its own cgroup up to the root), rounded down but at least 1.
#]=======================================================================]

include_guard(GLOBAL)
set(_MM_RUNTIME_DIR "${CMAKE_CURRENT_LIST_DIR}")
cmake_policy(PUSH)
cmake_policy(VERSION 3.25...3.31)

# _mm_ctest_prepare(SPEC_FILE <file> MANIFEST <file> [CACHE_BUDGET <size>] [CACHE_CPUS <n>]
#                   PLANNER_FILE <file> [HISTORY <file>] [DEMAND_FILE <file>] [LEARN_CPU ON|OFF]
#                   [CPU_OVERCOMMIT <per cent>]
#                   [RECORDS <dir>...] [GTEST_FILES <file>...])
#
# Runs once per ctest invocation, from the hook in CTestTestfile.cmake: brings the GoogleTest
# case lists up to date, then runs `mmtest plan`, which sets the budgets, writes the spec, names
# the tests that can never fit, learns each test's CPU demand and plans the start order; points
# CTest at the spec, and gives the tests whose demand differs from their declaration its CPU
# groups (_mm_hold_learned_cpus). A macro: the spec variable must be set in the scope of the
# CTestTestfile.cmake that includes the hook.
macro(_mm_ctest_prepare)
  cmake_parse_arguments(_mm_prep ""
    "SPEC_FILE;MANIFEST;CACHE_BUDGET;CACHE_CPUS;PLANNER_FILE;HISTORY;DEMAND_FILE;LEARN_CPU;CPU_OVERCOMMIT"
    "RECORDS;GTEST_FILES" ${ARGN})
  # This ctest run's id, in ctest's environment and so every test's: mmtest-run numbers the
  # attempts of a test within one run (--repeat) and keeps each one's record. Each ctest
  # invocation gets its own, also one started by a test of an outer ctest.
  string(TIMESTAMP _mm_run_time "%Y%m%dT%H%M%SZ" UTC)
  string(RANDOM LENGTH 8 ALPHABET "0123456789abcdef" _mm_run_random)
  set(ENV{MMTEST_CTEST_RUN} "${_mm_run_time}-${_mm_run_random}")
  # Discovery first (only where a list is missing or older than its executable): the plan then
  # covers the cases of this very run. The same files add the tests afterwards.
  set(_MM_GTEST_LIST_ONLY TRUE)
  foreach(_mm_gtest_file IN LISTS _mm_prep_GTEST_FILES)
    include("${_mm_gtest_file}")
  endforeach()
  unset(_MM_GTEST_LIST_ONLY)
  # A demand file of an earlier run never outlives a plan that failed to write this run's.
  if(NOT "${_mm_prep_DEMAND_FILE}" STREQUAL "")
    file(REMOVE "${_mm_prep_DEMAND_FILE}")
  endif()
  _mm_run_plan("${_mm_prep_PLANNER_FILE}" "${_mm_prep_SPEC_FILE}" "${_mm_prep_MANIFEST}" "${_mm_prep_CACHE_BUDGET}"
    "${_mm_prep_CACHE_CPUS}" "${_mm_prep_RECORDS}" "${_mm_prep_HISTORY}" "${_mm_prep_DEMAND_FILE}"
    "${_mm_prep_LEARN_CPU}" "${_mm_prep_CPU_OVERCOMMIT}")
  _mm_hold_learned_cpus("${_mm_prep_DEMAND_FILE}")
  # CTest reads this variable after the whole test list; a --resource-spec-file given to ctest
  # wins over it (and `mmtest plan` has planned against that file and copied it here).
  set(CTEST_RESOURCE_SPEC_FILE "${_mm_prep_SPEC_FILE}")
endmacro()

# _mm_run_plan(<planner_file> <spec> <manifest> <cache_budget> <cache_cpus> <records_dirs> <history>)
#
# Runs `mmtest plan --spec-file`, found through <planner_file> (generated at configure time: the
# tool's path is only known per configuration), and prints what it says. `mmtest plan` first adds
# the last run's records to the history (the environment variable MMTEST_HISTORY, else <history>)
# before this run overwrites them, then writes each mmtest test's cost into CTest's cost file:
# CTest reads that file after the test list, for tests whose COST property is 0 (add_mm_test
# leaves it so), and starts tests in decreasing cost. The file is relative to the directory ctest
# runs in, which is the working directory while it reads the first CTestTestfile.cmake, where the
# hook runs. Not planning costs a slower schedule, never the budget: that failure is reported, not
# fatal. No budget is fatal.
function(_mm_run_plan planner_file spec manifest cache_budget cache_cpus records history demand learn_cpu overcommit)
  set(_mm_planner "")
  if(EXISTS "${planner_file}")
    include("${planner_file}")
  endif()
  if("${_mm_planner}" STREQUAL "" OR NOT EXISTS "${_mm_planner}")
    message(FATAL_ERROR "mmtest: the mmtest tool was not found ('${_mm_planner}', from ${planner_file}); it sets "
      "this run's memory and CPU budgets, without which CTest would run the tests unthrottled: build it "
      "(cmake --build <build dir> --target mmtest) or install mmtest whole, then run ctest again")
  endif()
  set(args --spec-file "${spec}" --manifest "${manifest}" --cost-data "Testing/Temporary/CTestCostData.txt"
    --ctest-version "${CMAKE_VERSION}")
  if(NOT "${cache_budget}" STREQUAL "")
    list(APPEND args --cache-budget "${cache_budget}")
  endif()
  if(NOT "${cache_cpus}" STREQUAL "")
    list(APPEND args --cache-cpus "${cache_cpus}")
  endif()
  if(NOT "${demand}" STREQUAL "")
    list(APPEND args --cpu-demand-file "${demand}")
  endif()
  if(NOT "${learn_cpu}" STREQUAL "")
    list(APPEND args --learn-cpu "${learn_cpu}")
  endif()
  if(NOT "${overcommit}" STREQUAL "")
    list(APPEND args --cpu-overcommit "${overcommit}")
  endif()
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
  if(NOT "${out}" STREQUAL "")
    message("${out}")
  endif()
  if(status EQUAL 0)
    return()
  elseif(status EQUAL 1)
    # The budgets are set and the spec written; only the order is CTest's own.
    message("mmtest: start order not planned: ${_mm_planner} failed (${status}): ${err}; "
      "CTest starts the tests in its own order")
  elseif(status EQUAL 7)
    message(FATAL_ERROR "${err}")
  else()
    message(FATAL_ERROR "mmtest: the budgets of this run could not be set: ${_mm_planner} plan failed (${status}): ${err}")
  endif()
endfunction()

# _mm_hold_learned_cpus(<demand_file>)
#
# Gives each test the CPU groups `mmtest plan` chose for this run. The file it wrote sets
# _MM_CPU_SLOTS (the slots of a CPU id in this run's spec) and, for each test whose demand differs
# from the groups add_mm_test or mm_gtest_discover_tests declared (a demand learned from the
# history, or a spec of other slots a CPU), the global property "_MM_CPU_GROUPS <name>".
#
# RESOURCE_GROUPS are fixed once CTest has read a test, and this hook runs before any test is
# read (first in every directory's TEST_INCLUDE_FILES), so the groups enter where CTest reads
# them: set_tests_properties(), which this file then wraps for the rest of the test list. The
# wrapper replaces the mmtest_cpus groups of a call that sets one test's RESOURCE_GROUPS and has
# an entry, and passes every call on to CTest's own command (_set_tests_properties) with each
# argument as it came, empty ones and ';' included. Without an entry nothing is wrapped.
# mmtest-run learns the slots of a CPU from MMTEST_CPU_SLOTS, set only when they are not ten.
macro(_mm_hold_learned_cpus demand_file)
  set(_MM_CPU_SLOTS 10)
  set(_MM_CPU_DEMANDS 0)
  if(NOT "${demand_file}" STREQUAL "" AND EXISTS "${demand_file}")
    include("${demand_file}")
  endif()
  if(_MM_CPU_SLOTS EQUAL 10)
    unset(ENV{MMTEST_CPU_SLOTS})
  else()
    set(ENV{MMTEST_CPU_SLOTS} "${_MM_CPU_SLOTS}")
  endif()
  if(_MM_CPU_DEMANDS GREATER 0 AND NOT COMMAND _set_tests_properties)
    # A file of its own: a function written inside this macro would have ${ARGV0}, ${ARGC}...
    # replaced by the macro's own arguments.
    include("${_MM_RUNTIME_DIR}/internal/LearnedCpus.cmake")
  endif()
endmacro()

if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  # Installed, this file is in <prefix>/lib/cmake/mmtest or <prefix>/lib/<arch>/cmake/mmtest and
  # the tool in <prefix>/bin.
  find_program(_mm_tool NAMES mmtest NO_CACHE
    HINTS "${CMAKE_CURRENT_LIST_DIR}/../../../bin" "${CMAKE_CURRENT_LIST_DIR}/../../../../bin")
  if(NOT _mm_tool)
    message(FATAL_ERROR "mmtest: the mmtest tool, which measures the budgets, is neither installed beside "
      "${CMAKE_CURRENT_LIST_FILE} nor on PATH")
  endif()
  execute_process(COMMAND "${_mm_tool}" plan --budgets RESULT_VARIABLE status OUTPUT_VARIABLE out
    ERROR_VARIABLE err OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_STRIP_TRAILING_WHITESPACE)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${err}")
  endif()
  message("${out}")
endif()

cmake_policy(POP)
