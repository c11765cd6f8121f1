# cmake -P driver: adopts the adopt/ fixture, a CTest project that knows nothing of mmtest, with
# the one configure option -DCMAKE_PROJECT_TOP_LEVEL_INCLUDES=<MMTestAdopt.cmake>, runs its tests
# with real ctest and checks that every test ran under mmtest-run with a record or was named at
# configure time with the reason, that the project's properties survived, that declarations by
# name and pattern reached the tests, that the memory budget kept the two big tests apart (their
# records' times) and that the leaking test was caught and named, leaving no process behind.
#   -DMODE=buildtree|install -DMMTEST_BUILD=<mmtest build dir> -DPROBE=<mmtest_helper>
#   -DSAMPLE=<GoogleTest sample> -DWORK=<dir> -DGENERATOR=<generator>
# buildtree: the MMTestAdopt.cmake of mmtest's build tree, the whole check. install: mmtest
# installed to a prefix that is then moved, its MMTestAdopt.cmake, a few tests.
cmake_minimum_required(VERSION 3.25)
include("${CMAKE_CURRENT_LIST_DIR}/support.cmake")
# A record's file name from the test's name, as the launcher is told it.
include("${CMAKE_CURRENT_LIST_DIR}/../../cmake/internal/Records.cmake")
set(fixture "${CMAKE_CURRENT_LIST_DIR}/adopt")
file(REMOVE_RECURSE "${WORK}")
set(build "${WORK}/build")
string(RANDOM LENGTH 10 ALPHABET "abcdefghijklmnopqrstuvwxyz" tag)
set(tag "mmtest-adopt-${tag}")

if(MODE STREQUAL "install")
  mm_test_run(install COMMAND ${CMAKE_COMMAND} --install "${MMTEST_BUILD}" --prefix "${WORK}/first-prefix")
  file(RENAME "${WORK}/first-prefix" "${WORK}/prefix")
  file(GLOB_RECURSE adopt_file "${WORK}/prefix/*/MMTestAdopt.cmake")
  if(NOT adopt_file MATCHES "^${WORK}/prefix/lib[^;]*/cmake/mmtest/MMTestAdopt.cmake$")
    message(FATAL_ERROR "MMTestAdopt.cmake is not installed beside mmtestConfig.cmake: found '${adopt_file}'")
  endif()
  set(expect_launcher "${WORK}/prefix/bin/mmtest-run")
elseif(MODE STREQUAL "buildtree")
  set(adopt_file "${MMTEST_BUILD}/MMTestAdopt.cmake")
  set(expect_launcher "${MMTEST_BUILD}/")
else()
  message(FATAL_ERROR "unknown MODE '${MODE}'")
endif()

# The declarations, where adoption looks by default: beside the build's CMakeCache.txt. The
# patterns' values merge with the exact names' (big_2: the pattern's MEMORY, its own TIMEOUT).
file(WRITE "${build}/mmtest-calibration.cmake" [=[
mm_calibrated("big_*" MEMORY 600M PROCESSORS 2 LABELS integration)
mm_calibrated(big_2 TIMEOUT 30)
mm_calibrated(sample MEMORY 64M)
]=])
set(configure_args -S "${fixture}" -B "${build}" -G "${GENERATOR}" "-DCMAKE_PROJECT_TOP_LEVEL_INCLUDES=${adopt_file}"
  "-DPROBE=${PROBE}" "-DSAMPLE=${SAMPLE}" "-DTAG=${tag}")
mm_test_run(configure COMMAND ${CMAKE_COMMAND} ${configure_args})

# ---- Named once at configure time, with the reason ----------------------------------------------
mm_test_expect("${configure_out}" "-- mmtest: adopted 17 tests and 1 gtest_discover_tests\\(\\) calls" "the summary line")
mm_test_expect("${configure_err}" "mmtest: 2 of this project's tests or test sources are not supervised:" "the warning")
mm_test_expect("${configure_err}" "test 'ghost': runs 'no_such_program_anywhere', which was neither a target nor a program on PATH when the test was added: not run under mmtest-run" "ghost named")
mm_test_expect("${configure_err}" "the tests of gtest_discover_tests\\(sample\\) in ${fixture}: it uses TEST_FILTER, which mm_gtest_discover_tests\\(\\) has not: left to GoogleTest" "the filtered discovery named")
string(REGEX MATCHALL "not supervised: [^\n]*" named_lines "${configure_err}")
file(READ "${build}/mmtest/adopted.txt" adopted)
string(REGEX MATCHALL "\nnot supervised: " named_in_file "${adopted}")
list(LENGTH named_in_file named_count)
if(NOT named_count EQUAL 2)
  message(FATAL_ERROR "adopted.txt names ${named_count} unsupervised tests, expected 2:\n${adopted}")
endif()

# ---- What CTest was given ------------------------------------------------------------------------
mm_test_run(show COMMAND ${CMAKE_CTEST_COMMAND} --test-dir "${build}" --show-only=json-v1)
set(json "${show_out}")
function(expect_property test property expected)
  mm_test_property("${json}" "${test}" ${property} value)
  if(NOT value STREQUAL expected)
    message(FATAL_ERROR "${test}: ${property} is ${value}, expected ${expected}")
  endif()
endfunction()
# expect_groups(<test> <expected>): the test's resource groups as "<type>:<slots>" items, one a
# group (CTest writes "2,mmtest_cpus:1" as two groups).
function(expect_groups test expected)
  mm_test_resource_groups("${json}" "${test}" groups)
  if(NOT groups STREQUAL expected)
    message(FATAL_ERROR "${test}: RESOURCE_GROUPS are '${groups}', expected '${expected}'")
  endif()
endfunction()
# command_of(<test> <out>): the test's command, as a list.
function(command_of test out)
  mm_test_index("${json}" "${test}" i)
  string(JSON length LENGTH "${json}" tests ${i} command)
  math(EXPR last "${length} - 1")
  set(words "")
  foreach(k RANGE 0 ${last})
    string(JSON word GET "${json}" tests ${i} command ${k})
    list(APPEND words "${word}")
  endforeach()
  set(${out} "${words}" PARENT_SCOPE)
endfunction()
# Every kind of command runs under the launcher of this MODE: a target (at add_test, or added
# after its test: the door), a path, a program on PATH, cmake -P, ctest --build-and-test.
foreach(test plain old_style on_path script nested late sub.plain)
  command_of(${test} words)
  list(GET words 0 first)
  list(GET words 1 second)
  string(FIND "${first}" "${expect_launcher}" at)
  if(NOT at EQUAL 0 OR NOT first MATCHES "/mmtest-run$" OR NOT second STREQUAL "--options-from-environment")
    message(FATAL_ERROR "${test} runs '${words}', expected the mmtest-run under ${expect_launcher} with --options-from-environment")
  endif()
endforeach()
command_of(late words)
if(NOT words STREQUAL "${first};--options-from-environment;--;${PROBE};exit;--code;0;--tag;${tag}")
  message(FATAL_ERROR "late (its target defined after it) runs '${words}'")
endif()
# The project's own mmtest test: one launcher, its own options.
command_of(mm_own words)
list(FILTER words INCLUDE REGEX "mmtest-run$|--options-from-environment")
if(NOT words MATCHES "^[^;]*mmtest-run$")
  message(FATAL_ERROR "mm_own (add_mm_test) was changed: its launcher words are '${words}'")
endif()
expect_property(will_fail WILL_FAIL true)
expect_property(skips SKIP_RETURN_CODE 4)
expect_property(never_runs DISABLED true)
expect_property(script FIXTURES_REQUIRED "[\"ready\"]")
expect_property(script RUN_SERIAL true)
# The launcher's timeout is the test's own; CTest's comes 15 s later.
expect_property(own_timeout TIMEOUT 17)
expect_property(sub.plain TIMEOUT 45)
expect_property(sub.plain LABELS "[\"sub\",\"unit\"]")
# Resource groups: the project's first, mmtest's added.
expect_groups(with_groups "mmtest_cpus:1;mmtest_memory_mib:256;mmtest_cpus:10")
expect_property(with_groups LABELS "[\"project_label\"]")
# Declarations: pattern and exact name, field by field.
expect_groups(big_1 "mmtest_memory_mib:600;mmtest_cpus:10;mmtest_cpus:10")
expect_property(big_1 LABELS "[\"integration\"]")
expect_property(big_1 PROCESSORS 2)
expect_property(big_1 TIMEOUT 315)
expect_property(big_2 TIMEOUT 45)
expect_groups(gt.Sample.Passes "mmtest_memory_mib:64;mmtest_cpus:10")
# ENVIRONMENT: the project's, then the launcher's options.
mm_test_property("${json}" script ENVIRONMENT script_environment)
if(NOT script_environment MATCHES "^\\[\"FROM_PROJECT=yes\",\"MMTEST_RUN_OPTIONS=--name=script\n--memory=256M\n")
  message(FATAL_ERROR "script's ENVIRONMENT: ${script_environment}")
endif()

if(MODE STREQUAL "install")
  mm_test_run(run ENV MMTEST_MEMORY_BUDGET=1000M MMTEST_CPU_BUDGET=4
    COMMAND ${CMAKE_CTEST_COMMAND} --test-dir "${build}" -j 4 -R "^(plain|script|late|gt\\.Sample\\.Passes)$" --output-on-failure)
  mm_test_expect("${run_out}" "100% tests passed, 0 tests failed out of 5" "the installed adoption's run (fixture_setup with script)")
  foreach(test plain fixture_setup script late gt.Sample.Passes)
    if(NOT EXISTS "${build}/mmtest-results/${test}.json")
      message(FATAL_ERROR "no record for ${test}")
    endif()
  endforeach()
  return()
endif()

# ---- A real ctest run ----------------------------------------------------------------------------
# Hog.SkipsOverItsMemory holds its memory for an instant: a sampled peak may miss it on a loaded
# machine (check-gtest.cmake covers it); it is left out.
mm_test_run(run EXPECT_FAILURE ENV MMTEST_MEMORY_BUDGET=1000M MMTEST_CPU_BUDGET=4
  COMMAND ${CMAKE_CTEST_COMMAND} --test-dir "${build}" -j 4 -E "SkipsOverItsMemory" --output-on-failure)
mm_test_expect("${run_err}" "mmtest: memory budget 1000 MiB" "the budget line")
# Exactly two failures, both mmtest's findings: the leak and the case over its declared memory
# (64M for every case of sample, from the declarations).
string(REGEX MATCHALL "[0-9]+ - [^ \n]+ \\(Failed\\)" failed "${run_out}")
list(TRANSFORM failed REPLACE "^[0-9]+ - ([^ ]+) .*$" "\\1")
list(SORT failed)
if(NOT failed STREQUAL "gt.Hog.ExceedsItsMemory;leaks")
  message(FATAL_ERROR "expected gt.Hog.ExceedsItsMemory and leaks to fail, got '${failed}':\n${run_out}\n${run_err}")
endif()
mm_test_expect("${run_out}" "mmtest: leaks leaked 1 process: mmtest_helper \\(pid [0-9]+\\); killed them" "the leak named")
mm_test_expect("${run_out}" "skips \\.+\\*+Skipped" "SKIP_RETURN_CODE kept")
mm_test_expect("${run_out}" "gt\\.Sample\\.Skips \\.+\\*+Skipped" "GTEST_SKIP() per case")
mm_test_expect("${run_out}" "never_runs \\.+\\*+Not Run \\(Disabled\\)" "DISABLED kept")
mm_test_expect("${run_out}" "script \\.+ +Passed" "the script test")
mm_test_expect("${run_out}" "nested \\.+ +Passed" "the nested ctest --build-and-test")
mm_test_expect("${run_out}" "says_all_good \\.+ +Passed" "PASS_REGULAR_EXPRESSION and FAIL_REGULAR_EXPRESSION")

# No helper process of this run survives.
file(GLOB cmdlines "/proc/[0-9]*/cmdline")
string(HEX "${tag}" tag_hex)
foreach(cmdline IN LISTS cmdlines)
  file(READ "${cmdline}" text HEX)
  if(text MATCHES "${tag_hex}")
    message(FATAL_ERROR "a helper process of this run is still alive: ${cmdline}")
  endif()
endforeach()

# ---- Every test has a record, or was named ------------------------------------------------------
string(JSON count LENGTH "${json}" tests)
math(EXPR last "${count} - 1")
set(recorded 0)
foreach(i RANGE 0 ${last})
  string(JSON test GET "${json}" tests ${i} name)
  if(test MATCHES "^filtered\\." OR test MATCHES "^(ghost|never_runs)$" OR test MATCHES "DISABLED_|SkipsOverItsMemory")
    continue()  # named above (ghost, filtered.*), disabled or left out of the run
  endif()
  _mm_result_file(record "${build}/mmtest-results" "${test}")
  if(NOT EXISTS "${record}")
    message(FATAL_ERROR "no record for ${test}, which was not named either:\n${run_out}")
  endif()
  math(EXPR recorded "${recorded} + 1")
endforeach()
# record_field(<test> <out> <field>...)
function(record_field test out)
  file(READ "${build}/mmtest-results/${test}.json" record)
  string(JSON value GET "${record}" ${ARGN})
  set(${out} "${value}" PARENT_SCOPE)
endfunction()
foreach(pair "plain;passed" "will_fail;failed" "skips;skipped" "own_timeout;timeout" "leaks;leaked"
    "gt.Hog.ExceedsItsMemory;memory" "gt.Sample.Skips;skipped" "nested;passed" "late;passed")
  list(GET pair 0 test)
  list(GET pair 1 expected)
  record_field(${test} outcome outcome)
  if(NOT outcome STREQUAL expected)
    message(FATAL_ERROR "${test}: the record's outcome is '${outcome}', expected '${expected}'")
  endif()
endforeach()
record_field(plain declared memory_declared)
record_field(big_1 big_declared memory_declared)
record_field(big_1 big_limit memory_limit_bytes)
record_field(sub.plain sub_labels labels)
if(NOT declared STREQUAL "OFF" OR NOT big_declared STREQUAL "ON" OR NOT big_limit EQUAL 629145600
    OR NOT sub_labels STREQUAL "[ \"unit\", \"sub\" ]")
  message(FATAL_ERROR "records: plain memory_declared '${declared}' (expected false), big_1 '${big_declared}' "
    "(expected true) with limit ${big_limit} (expected 600 MiB), sub.plain labels '${sub_labels}'")
endif()

# ---- The budget kept the big tests apart: their records' times ------------------------------------
# "2025-01-31T12:34:56.789Z" as a number of milliseconds within the run (same day or the next).
function(record_ms test field out)
  record_field(${test} time ${field})
  if(NOT time MATCHES "^([0-9]+)-([0-9]+)-([0-9]+)T([0-9]+):([0-9]+):([0-9]+)\\.([0-9]+)Z$")
    message(FATAL_ERROR "${test}: ${field} '${time}' is no RFC 3339 time")
  endif()
  math(EXPR ms "((((${CMAKE_MATCH_3} * 24 + ${CMAKE_MATCH_4}) * 60 + ${CMAKE_MATCH_5}) * 60 + ${CMAKE_MATCH_6}) * 1000) + ${CMAKE_MATCH_7}")
  set(${out} ${ms} PARENT_SCOPE)
endfunction()
record_ms(big_1 started_at start_1)
record_ms(big_1 finished_at end_1)
record_ms(big_2 started_at start_2)
record_ms(big_2 finished_at end_2)
if(start_1 LESS end_2 AND start_2 LESS end_1)
  message(FATAL_ERROR "big_1 [${start_1}, ${end_1}) and big_2 [${start_2}, ${end_2}) ms overlapped: 600 MiB "
    "each under a 1000 MiB budget")
endif()

# ---- mmtest report reads the adopted build tree ------------------------------------------------
get_filename_component(launcher_dir "${first}" DIRECTORY)
mm_test_run(report EXPECT_FAILURE COMMAND "${launcher_dir}/mmtest" report "${build}")
mm_test_expect("${report_out}" "leaks" "the report names the leaking test")
mm_test_expect("${report_out}" "gt\\.Hog\\.ExceedsItsMemory" "the report names the case over its memory")

# ---- A bad declaration stops the configure, naming the file, the line's name and the value ------
file(APPEND "${build}/mmtest-calibration.cmake" "mm_calibrated(\"gt.*\" MEMORY 12Q)\n")
mm_test_run(bad EXPECT_FAILURE COMMAND ${CMAKE_COMMAND} ${configure_args})
if(bad_rc EQUAL 0)
  message(FATAL_ERROR "a declaration with MEMORY 12Q configured")
endif()
mm_test_expect("${bad_err}" "mm_calibrated\\(gt\\.\\*\\) in ${build}/mmtest-calibration\\.cmake: MEMORY expects a size like 512M or 2G, got '12Q'" "the bad declaration named")

# ---- Included anywhere but at the top-level project() -------------------------------------------
file(WRITE "${WORK}/misplaced/CMakeLists.txt" "cmake_minimum_required(VERSION 3.25)\nproject(misplaced NONE)\nadd_subdirectory(sub)\n")
file(WRITE "${WORK}/misplaced/sub/CMakeLists.txt" "include(\"${adopt_file}\")\n")
mm_test_run(misplaced EXPECT_FAILURE COMMAND ${CMAKE_COMMAND} -S "${WORK}/misplaced" -B "${WORK}/misplaced-build" -G "${GENERATOR}")
mm_test_expect("${misplaced_err}" "MMTestAdopt.cmake: give it to the configure of the project's top-level directory, as -DCMAKE_PROJECT_TOP_LEVEL_INCLUDES=" "a misplaced include")
# ---- mmtest-run --options-from-environment on its own ---------------------------------------------
# Without MMTEST_RUN_OPTIONS (a custom command running a target whose emulator is the launcher):
# the command runs as it is, its exit code passed on, no record.
mm_test_run(pass EXPECT_FAILURE ENV --unset=MMTEST_RUN_OPTIONS
  COMMAND "${first}" --options-from-environment -- "${PROBE}" exit --code 7 --tag ${tag})
if(NOT pass_rc EQUAL 7 OR NOT "${pass_err}" STREQUAL "")
  message(FATAL_ERROR "without options the launcher should run the command as it is: exit ${pass_rc} "
    "(expected 7), stderr '${pass_err}'")
endif()
# A line that is no option is a usage error, naming the variable and the line.
mm_test_run(bad_line EXPECT_FAILURE ENV "MMTEST_RUN_OPTIONS=--name=x\nbogus"
  COMMAND "${first}" --options-from-environment -- "${PROBE}" exit --code 0 --tag ${tag})
mm_test_expect("${bad_line_err}" "mmtest-run: MMTEST_RUN_OPTIONS: expected one option per line like --memory=256M, got 'bogus'" "a bad options line")
if(NOT bad_line_rc EQUAL 125)
  message(FATAL_ERROR "a bad options line: exit ${bad_line_rc}, expected 125")
endif()
message("adopted ${recorded} tests with records, on CMake ${CMAKE_VERSION}")
