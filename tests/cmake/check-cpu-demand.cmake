# cmake -P driver: runs real ctest twice on the cpu-demand/ fixture under a budget of two CPUs.
# The first run holds what each test declared (one CPU); the second what it was seen to use: the
# waiting tests no CPU (a slot of the idle pool each), so that more of them overlap, the
# two-threaded test two CPUs, the fixed declaration its one. The waits last 3 s, so that what
# starting one costs (cmake -P, a sanitized helper) stays well under the tenth of a CPU
# that makes a test idle. From the records and the intervals the tests logged: the CPUs held by
# the tests running at one moment never exceed the budget (two whole CPUs, and with the default
# overcommit of 30 % for fractions 2.6 CPUs in all), and every test passes both times.
#   -DMMTEST_MODULE=<MMTest.cmake> -DMMTEST_RUN=<mmtest-run> -DMMTEST_HELPER=<mmtest_helper>
#   -DWORK=<dir> -DGENERATOR=<generator>
cmake_minimum_required(VERSION 3.25)
include("${CMAKE_CURRENT_LIST_DIR}/support.cmake")
set(fixture "${CMAKE_CURRENT_LIST_DIR}/cpu-demand")

file(REMOVE_RECURSE "${WORK}")
mm_test_run(configure COMMAND ${CMAKE_COMMAND} -S "${fixture}" -B "${WORK}" -G "${GENERATOR}"
  "-DMMTEST_MODULE=${MMTEST_MODULE}" "-DMMTEST_RUN=${MMTEST_RUN}" "-DMMTEST_HELPER=${MMTEST_HELPER}")
set(intervals "${WORK}/intervals")
set(waits wait_1 wait_2 wait_3 wait_4 wait_5 wait_6)
set(tests ${waits} threads busy_1 busy_2 busy_3 busy_4 wait_fixed)

# run(<prefix> <environment>...): ctest -j 64 with a budget of two CPUs and fresh logs. The records
# stay: the next run's hook adds them to the history before each test writes its own again.
function(run prefix)
  file(REMOVE_RECURSE "${intervals}")
  file(MAKE_DIRECTORY "${intervals}")
  mm_test_run(${prefix} ENV MMTEST_MEMORY_BUDGET=4G MMTEST_CPU_BUDGET=2 ${ARGN}
    COMMAND ${CMAKE_CTEST_COMMAND} --test-dir "${WORK}" -j 64)
  mm_test_expect("${${prefix}_out}" "100% tests passed, 0 tests failed out of 12" "${prefix}: every test passed")
  foreach(var out err)
    set(${prefix}_${var} "${${prefix}_${var}}" PARENT_SCOPE)
  endforeach()
endfunction()

# reserved(<test> <out>): the CPUs CTest reserved for the test's last run, in tenths.
function(reserved test out)
  file(READ "${WORK}/mmtest-results/${test}.json" json)
  string(JSON value GET "${json}" cpus_reserved)
  if(NOT value MATCHES "^([0-9]+)(\\.([0-9]))?[0-9]*$")
    message(FATAL_ERROR "${test}: cpus_reserved is '${value}', not a number of CPUs")
  endif()
  set(tenths "${CMAKE_MATCH_1}${CMAKE_MATCH_3}")
  if("${CMAKE_MATCH_3}" STREQUAL "")
    set(tenths "${CMAKE_MATCH_1}0")
  endif()
  math(EXPR tenths "${tenths}")
  set(${out} ${tenths} PARENT_SCOPE)
endfunction()

# record_groups(<test> <out>): the resource types other than memory of the groups CTest gave the
# test on its last run, as the test logged them ("mmtest_cpus,mmtest_cpus", "mmtest_idle").
function(record_groups test out)
  file(STRINGS "${intervals}/${test}.log" line)
  string(REPLACE " " ";" fields "${line}")
  list(GET fields 3 types)
  set(${out} "${types}" PARENT_SCOPE)
endfunction()

# check_overlaps(<prefix>): at each test's start, the tenths held by the tests running then stay
# within the budget's 20; sets <prefix>_waits_at_once to the most waiting tests running at once.
function(check_overlaps prefix)
  foreach(t IN LISTS tests)
    if(NOT EXISTS "${intervals}/${t}.log")
      message(FATAL_ERROR "${prefix}: test ${t} did not log its run")
    endif()
    file(STRINGS "${intervals}/${t}.log" line)
    string(REPLACE " " ";" fields "${line}")
    list(GET fields 1 start_${t})
    list(GET fields 2 end_${t})
    reserved(${t} held_${t})
  endforeach()
  set(most_waits 0)
  foreach(a IN LISTS tests)
    set(held 0)
    set(whole 0)
    set(waits_now 0)
    foreach(b IN LISTS tests)
      if(NOT start_${b} GREATER start_${a} AND start_${a} LESS end_${b})
        math(EXPR held "${held} + ${held_${b}}")
        math(EXPR whole "${whole} + ${held_${b}} / 10")
        if(b IN_LIST waits)
          math(EXPR waits_now "${waits_now} + 1")
        endif()
      endif()
    endforeach()
    if(held GREATER 26 OR whole GREATER 2)
      message(FATAL_ERROR "${prefix}: when ${a} started the running tests held ${held} tenths of a CPU, ${whole} "
        "of them whole CPUs: over the budget of 2 CPUs (2.6 with 30 % for fractions)")
    endif()
    if(waits_now GREATER most_waits)
      set(most_waits ${waits_now})
    endif()
  endforeach()
  set(${prefix}_waits_at_once ${most_waits} PARENT_SCOPE)
endfunction()

# expect_declared(<prefix> <why>): the run said it learned nothing and every test held its
# declaration, one CPU.
function(expect_declared prefix why)
  if(${prefix}_err MATCHES "CPU demand of")
    message(FATAL_ERROR "${prefix}: ${why}, yet the run says it learned:\n${${prefix}_err}")
  endif()
  foreach(t IN LISTS tests)
    reserved(${t} held)
    if(NOT held EQUAL 10)
      message(FATAL_ERROR "${prefix}: ${why}, yet ${t} held ${held} tenths of a CPU rather than its declaration, 10")
    endif()
  endforeach()
endfunction()

# ---- 1. The first run: as declared ----------------------------------------------------------------
run(first)
expect_declared(first "no history")
check_overlaps(first)
if(first_waits_at_once GREATER 2)
  message(FATAL_ERROR "first run: ${first_waits_at_once} waiting tests at once, each holding one of 2 CPUs")
endif()

# ---- 2. The second run: as seen -------------------------------------------------------------------
run(second)
mm_test_expect("${second_err}" "mmtest: CPU demand of 11 tests learned from their last runs: (0\\.[7-9]|1) to [12](\\.[0-9])? CPU\\(s\\) each, 6 idle \\(no CPU held\\); 1 test held as declared \\(FIXED_PROCESSORS, PIN_CPUS or performance\\)" "the learned line")
foreach(t IN LISTS waits)
  reserved(${t} held)
  if(NOT held EQUAL 0)
    message(FATAL_ERROR "second run: ${t} waits and held ${held} tenths of a CPU, not none (a slot of the idle pool)")
  endif()
  record_groups(${t} groups)
  if(NOT groups MATCHES "^mmtest_idle$")
    message(FATAL_ERROR "second run: ${t} waits, yet CTest gave it the groups '${groups}', not one of mmtest_idle")
  endif()
endforeach()
# Two threads on two CPUs, or fewer when other tests (or the machine's other work) took some:
# always more than the one CPU a single thread could use.
reserved(threads held)
if(held LESS 12)
  message(FATAL_ERROR "second run: the test running two threads held only ${held} tenths of a CPU")
endif()
foreach(t busy_1 busy_2 busy_3 busy_4)
  reserved(${t} held)
  if(held LESS 7 OR held GREATER 10)
    message(FATAL_ERROR "second run: ${t} keeps one CPU busy and held ${held} tenths")
  endif()
endforeach()
reserved(wait_fixed held)
if(NOT held EQUAL 10)
  message(FATAL_ERROR "second run: wait_fixed declares FIXED_PROCESSORS yet held ${held} tenths")
endif()
check_overlaps(second)
if(NOT second_waits_at_once GREATER 2)
  message(FATAL_ERROR "second run: at most ${second_waits_at_once} waiting tests ran at once, though none held a CPU")
endif()

# ---- 3. MMTEST_LEARN_CPU=0: every test as declared again -------------------------------------------
run(unlearned MMTEST_LEARN_CPU=0)
expect_declared(unlearned "MMTEST_LEARN_CPU=0")
check_overlaps(unlearned)
message("cpu demand: first run ${first_waits_at_once} waiting tests at once, second ${second_waits_at_once}")
