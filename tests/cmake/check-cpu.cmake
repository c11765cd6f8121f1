# cmake -P driver: runs real ctest on the cpu/ fixture and checks, from the intervals the tests
# logged themselves and from their records, that CTest never ran more CPU demand than the CPU
# budget mmtest gave it, whatever -j says.
#   -DMMTEST_MODULE=<MMTest.cmake> -DMMTEST_RUN=<mmtest-run> -DMMTEST_HELPER=<mmtest_helper>
#   -DWORK=<dir> -DGENERATOR=<generator>
cmake_minimum_required(VERSION 3.25)
include("${CMAKE_CURRENT_LIST_DIR}/support.cmake")
set(fixture "${CMAKE_CURRENT_LIST_DIR}/cpu")

# CPUs this process may use, from coreutils rather than from mmtest's own code.
execute_process(COMMAND nproc OUTPUT_VARIABLE cpus OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE nproc_rc)
if(NOT nproc_rc EQUAL 0 OR NOT cpus MATCHES "^[1-9][0-9]*$")
  message(FATAL_ERROR "nproc failed: '${cpus}'")
endif()
# Enough honest tests to overload every CPU several times over when nothing holds them back.
math(EXPR busy_count "4 * ${cpus}")
if(busy_count LESS 8)
  set(busy_count 8)
endif()

file(REMOVE_RECURSE "${WORK}")
mm_test_run(configure COMMAND ${CMAKE_COMMAND} -S "${fixture}" -B "${WORK}" -G "${GENERATOR}"
  "-DMMTEST_MODULE=${MMTEST_MODULE}" "-DMMTEST_RUN=${MMTEST_RUN}" "-DMMTEST_HELPER=${MMTEST_HELPER}"
  "-DBUSY_COUNT=${busy_count}")
set(intervals "${WORK}/intervals")
set(busy "")
foreach(i RANGE 1 ${busy_count})
  list(APPEND busy busy_${i})
endforeach()

# run_ctest(<prefix> <cpu budget or "-"> <ctest argument>...): plain ctest with a generous memory
# budget, the CPU budget from the environment ("-": none there), fresh interval logs and records.
function(run_ctest prefix cpu_budget)
  file(REMOVE_RECURSE "${intervals}" "${WORK}/mmtest-results")
  file(MAKE_DIRECTORY "${intervals}")
  if(cpu_budget STREQUAL "-")
    set(env MMTEST_MEMORY_BUDGET=4G --unset=MMTEST_CPU_BUDGET)
  else()
    set(env MMTEST_MEMORY_BUDGET=4G MMTEST_CPU_BUDGET=${cpu_budget})
  endif()
  mm_test_run(${prefix} ${MM_EXPECT} ENV ${env} COMMAND ${CMAKE_CTEST_COMMAND} --test-dir "${WORK}" ${ARGN})
  foreach(var rc out err)
    set(${prefix}_${var} "${${prefix}_${var}}" PARENT_SCOPE)
  endforeach()
endfunction()

# most_at_once(<out>): the most busy tests that ran at one moment, and check every one ran.
function(most_at_once out)
  set(starts "")
  foreach(n IN LISTS busy)
    if(NOT EXISTS "${intervals}/${n}.log")
      message(FATAL_ERROR "test ${n} did not run")
    endif()
    file(STRINGS "${intervals}/${n}.log" line)
    string(REPLACE " " ";" fields "${line}")
    list(GET fields 1 start_${n})
    list(GET fields 2 end_${n})
  endforeach()
  # The most at once is reached at some test's start.
  set(most 0)
  foreach(a IN LISTS busy)
    set(count 0)
    foreach(b IN LISTS busy)
      if(NOT start_${b} GREATER start_${a} AND start_${a} LESS end_${b})
        math(EXPR count "${count} + 1")
      endif()
    endforeach()
    if(count GREATER most)
      set(most ${count})
    endif()
  endforeach()
  set(${out} ${most} PARENT_SCOPE)
endfunction()

# record_field(<test> <field> <out>): a field of the test's result record.
function(record_field test field out)
  file(READ "${WORK}/mmtest-results/${test}.json" json)
  string(JSON value GET "${json}" ${field})
  set(${out} "${value}" PARENT_SCOPE)
endfunction()

# ---- 1. Two CPUs, -j 64: never more than two at once, and two at once ---------------------------
run_ctest(two 2 -j 64 -L unit)
mm_test_expect("${two_err}" "mmtest: memory budget 4096 MiB \\([^)]*\\), 2 CPU\\(s\\) \\(environment variable MMTEST_CPU_BUDGET=2\\)" "budget line")
mm_test_expect("${two_out}" "100% tests passed" "every busy test passed")
most_at_once(most)
if(NOT most EQUAL 2)
  message(FATAL_ERROR "with a CPU budget of 2 and -j 64, ${most} busy tests ran at once (expected exactly 2)\n${two_out}")
endif()

# ---- 2. A budget of one CPU serialises, whatever -j says -----------------------------------------
run_ctest(one 1 -j 64 -L unit)
mm_test_expect("${one_err}" ", 1 CPU\\(s\\) \\(environment variable MMTEST_CPU_BUDGET=1\\)" "budget line")
most_at_once(most)
if(NOT most EQUAL 1)
  message(FATAL_ERROR "with a CPU budget of 1, ${most} busy tests ran at once\n${one_out}")
endif()

# ---- 3. Without a CPU budget worth the name, the same tests starve each other --------------------
# What `ctest -j 64` did before CPUs were budgeted: the records say so.
run_ctest(unbounded 1000 -j 64 -L unit)
most_at_once(most)
if(NOT most GREATER cpus)
  message(FATAL_ERROR "the overloaded run never had more than ${most} tests on ${cpus} CPUs: nothing to check\n${unbounded_out}")
endif()
set(starved 0)
foreach(n IN LISTS busy)
  record_field(${n} starved flag)
  if(flag)
    math(EXPR starved "${starved} + 1")
  endif()
endforeach()
math(EXPR half "${busy_count} / 2")
if(starved LESS half)
  message(FATAL_ERROR "${busy_count} busy tests on ${cpus} CPUs at once, but only ${starved} records say starved")
endif()
# ---- 4. The ci preset's 64 jobs: the budgets decide ----------------------------------------------
file(REMOVE_RECURSE "${intervals}")
file(MAKE_DIRECTORY "${intervals}")
mm_test_run(preset ENV MMTEST_CPU_FIXTURE_BUILD=${WORK} MMTEST_CPU_BUDGET=2 MMTEST_MEMORY_BUDGET=4G
  WORKING_DIRECTORY "${fixture}" COMMAND ${CMAKE_CTEST_COMMAND} --preset ci)
mm_test_expect("${preset_out}" "100% tests passed, 0 tests failed out of ${busy_count}" "ci preset run")
most_at_once(most)
if(most GREATER 2)
  message(FATAL_ERROR "ctest --preset ci ran ${most} busy tests at once under a CPU budget of 2")
endif()

# ---- 5. More CPUs than the budget: named before the run, reported Not Run ------------------------
set(MM_EXPECT EXPECT_FAILURE)
run_ctest(wide 2 -R "^wide$")
unset(MM_EXPECT)
mm_test_expect("${wide_err}" "mmtest: test 'wide' needs 3 CPUs but the CPU budget is 2 \\(environment variable MMTEST_CPU_BUDGET=2\\): it cannot run here and CTest will report it as Not Run; lower its PROCESSORS or raise MMTEST_CPU_BUDGET" "too-wide line")
mm_test_expect("${wide_out}" "wide \\.+\\*+Not Run" "ctest result of wide")
run_ctest(wide_fits 4 -R "^wide$")
record_field(wide cpus_allocated allocated)
string(JSON allocated_count LENGTH "${allocated}")
if(NOT allocated_count EQUAL 3)
  message(FATAL_ERROR "wide asked for 3 CPUs and was allocated ${allocated}")
endif()

# ---- 6. A performance test runs pinned to the one CPU it was given --------------------------------
run_ctest(bench - -L performance -j1)
record_field(bench pinned_cpus pinned)
string(JSON pinned_count LENGTH "${pinned}")
record_field(bench cpus_allocated allocated)
string(JSON allocated_count LENGTH "${allocated}")
if(NOT pinned_count EQUAL 1 OR NOT allocated_count EQUAL 1)
  message(FATAL_ERROR "the performance test ran on CPUs ${pinned}, allocated ${allocated}: expected one of each")
endif()

# ---- 7. Where the budget comes from: environment, then cache, then the machine --------------------
run_ctest(measured - -N)
if(measured_err MATCHES ", ([0-9]+) CPU\\(s\\) \\(affinity [0-9,-]+; no cgroup CPU quota\\)")
  if(NOT CMAKE_MATCH_1 EQUAL cpus)
    message(FATAL_ERROR "measured ${CMAKE_MATCH_1} CPUs, nproc says ${cpus}:\n${measured_err}")
  endif()
else()
  mm_test_expect("${measured_err}" ", [0-9]+ CPU\\(s\\) \\(.*cgroup CPU quota [0-9.]+ CPUs in [^)]*\\)" "measured CPU budget line")
endif()
mm_test_run(reconfigure COMMAND ${CMAKE_COMMAND} -S "${fixture}" -B "${WORK}" -DMMTEST_CPU_BUDGET=3)
run_ctest(cached - -N)
mm_test_expect("${cached_err}" ", 3 CPU\\(s\\) \\(cache variable MMTEST_CPU_BUDGET=3\\)" "cache budget line")
run_ctest(both 5 -N)
mm_test_expect("${both_err}" ", 5 CPU\\(s\\) \\(environment variable MMTEST_CPU_BUDGET=5\\)" "environment over cache")
set(MM_EXPECT EXPECT_FAILURE)
run_ctest(bad two -N)
unset(MM_EXPECT)
if(bad_rc EQUAL 0)
  message(FATAL_ERROR "a malformed MMTEST_CPU_BUDGET must stop ctest")
endif()
mm_test_expect("${bad_err}" "mmtest: environment variable MMTEST_CPU_BUDGET expects a count of CPUs like 4 \\(1 to 999999\\), got 'two'" "bad CPU budget")
