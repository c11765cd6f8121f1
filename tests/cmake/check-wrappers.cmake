# cmake -P driver: runs real ctest on the wrappers/ fixture, whose executables have a
# CROSSCOMPILING_EMULATOR (CASE=emulator) or a TEST_LAUNCHER (CASE=launcher) that records what
# started it and what it was given, and checks that each ran inside mmtest-run, under the budget,
# once per test, and that nothing ran mmtest-run itself under it.
#   -DCASE=emulator|launcher -DMMTEST_MODULE=<MMTest.cmake> -DMMTEST_RUN=<mmtest-run>
#   -DHELPER=<mmtest_helper> -DSAMPLE=<GoogleTest sample> -DWORK=<dir> -DGENERATOR=<generator>
cmake_minimum_required(VERSION 3.25)
include("${CMAKE_CURRENT_LIST_DIR}/support.cmake")
set(fixture "${CMAKE_CURRENT_LIST_DIR}/wrappers")
set(record_script "${fixture}/record-and-exec")

if(CASE STREQUAL "launcher" AND CMAKE_VERSION VERSION_LESS 3.29)
  # The test's SKIP_REGULAR_EXPRESSION matches this line.
  message("mmtest-test-skipped: TEST_LAUNCHER needs CMake 3.29 or later, this is CMake ${CMAKE_VERSION} "
    "(scripts/debian-check trixie and sid run this test on CMake 3.31 and 4.x)")
  return()
endif()

file(REMOVE_RECURSE "${WORK}")
# The launcher reaches the fixture as the imported target mmtest::run, as from find_package.
mm_test_run(configure COMMAND ${CMAKE_COMMAND} -S "${fixture}" -B "${WORK}" -G "${GENERATOR}"
  "-DCASE=${CASE}" "-DMMTEST_MODULE=${MMTEST_MODULE}" "-DLAUNCHER_FILE=${MMTEST_RUN}"
  "-DHELPER=${HELPER}" "-DSAMPLE=${SAMPLE}")
set(log_dir "${WORK}/wrapper-log")
file(MAKE_DIRECTORY "${log_dir}")
# The sample's Hog case needs more than its 64M: it is the gtest fixture's business, not this one's.
mm_test_run(run ENV MMTEST_MEMORY_BUDGET=2G MMTEST_CPU_BUDGET=2
  COMMAND ${CMAKE_CTEST_COMMAND} --test-dir "${WORK}" -j 4 -E "Hog" --output-on-failure)
mm_test_expect("${run_out}" "100% tests passed" "every test passed (hog by WILL_FAIL)")

# ---- What the wrapper recorded: one file per start ----------------------------------------------
# run_<i>_tag, run_<i>_parent, run_<i>_args (a list) for i in run_ids.
file(GLOB logs "${log_dir}/*")
set(run_ids "")
set(i 0)
foreach(log IN LISTS logs)
  math(EXPR i "${i} + 1")
  # One line each; a ';' inside an argument stays in its list element, escaped.
  file(READ "${log}" text)
  string(REPLACE ";" "\\;" text "${text}")
  string(REPLACE "\n" ";" lines "${text}")
  set(run_${i}_args "")
  foreach(line IN LISTS lines)
    if(line MATCHES "^tag=(.*)$")
      set(run_${i}_tag "${CMAKE_MATCH_1}")
    elseif(line MATCHES "^parent=(.*)$")
      set(run_${i}_parent "${CMAKE_MATCH_1}")
    elseif(line MATCHES "^arg=(.*)$")
      list(APPEND run_${i}_args "${CMAKE_MATCH_1}")
    endif()
  endforeach()
  list(APPEND run_ids ${i})
endforeach()

function(show_runs out)
  set(text "")
  foreach(i IN LISTS run_ids)
    string(APPEND text "  ${run_${i}_tag} (started by ${run_${i}_parent}): ${run_${i}_args}\n")
  endforeach()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()
show_runs(all_runs)

# Nothing ran the launcher or the planner under the wrapper: CTest did not add it outside.
get_filename_component(launcher_dir "${MMTEST_RUN}" DIRECTORY)
foreach(i IN LISTS run_ids)
  list(GET run_${i}_args 0 program)
  # The ctest-time hook runs the planner as `mmtest plan`: the tool beside the launcher.
  if(program STREQUAL MMTEST_RUN OR program STREQUAL "${launcher_dir}/mmtest")
    message(FATAL_ERROR "the ${CASE} ran ${program} itself; it must run only the test's program:\n${all_runs}")
  endif()
endforeach()

# runs_with(<out> <argument regex>): the runs (ids) of the ${CASE} one of whose arguments matches.
function(runs_with out regex)
  set(found "")
  foreach(i IN LISTS run_ids)
    if(NOT run_${i}_tag STREQUAL CASE)
      continue()
    endif()
    foreach(argument IN LISTS run_${i}_args)
      if(argument MATCHES "${regex}")
        list(APPEND found ${i})
        break()
      endif()
    endforeach()
  endforeach()
  set(${out} "${found}" PARENT_SCOPE)
endfunction()

# expect_one_run(<what> <argument regex> <expected arguments> <expected parent>): exactly one run
# of the wrapper had an argument matching the regex, with these arguments, started by that process.
function(expect_one_run what regex expected_args parent)
  runs_with(found "${regex}")
  list(LENGTH found count)
  if(NOT count EQUAL 1)
    message(FATAL_ERROR "${what}: expected one run of the ${CASE}, got ${count}:\n${all_runs}")
  endif()
  if(NOT run_${found}_parent STREQUAL parent)
    message(FATAL_ERROR "${what}: the ${CASE} was started by '${run_${found}_parent}', expected "
      "${parent}:\n${all_runs}")
  endif()
  if(NOT "${run_${found}_args}" STREQUAL "${expected_args}")
    message(FATAL_ERROR "${what}: the ${CASE} was given\n  ${run_${found}_args}\nexpected\n  ${expected_args}")
  endif()
endfunction()

# record_field(<test> <out> <field>...): a field of the test's result record.
function(record_field test out)
  file(READ "${WORK}/mmtest-results/${test}.json" json)
  string(JSON value GET "${json}" ${ARGN})
  set(${out} "${value}" PARENT_SCOPE)
endfunction()

# expect_wrapped_record(<test>): the record's command starts with the wrapper, then the program.
function(expect_wrapped_record test)
  record_field(${test} first command 0)
  record_field(${test} second command 1)
  if(NOT first STREQUAL record_script OR NOT second STREQUAL CASE)
    message(FATAL_ERROR "${test}: the record's command starts '${first} ${second}', expected the ${CASE} "
      "'${record_script} ${CASE}'")
  endif()
endfunction()

# ---- add_mm_test: the program's own arguments, once, inside mmtest-run -------------------------
expect_one_run("plain" "^plain$" "${HELPER};exit;--code;0;--tag;plain" mmtest-run)
expect_wrapped_record(plain)
record_field(plain outcome outcome)
if(NOT outcome STREQUAL "passed")
  message(FATAL_ERROR "plain: outcome '${outcome}', expected passed")
endif()
expect_one_run("odd_word" "^odd.?;word$" "${HELPER};exit;--code;0;--tag;odd\\;word" mmtest-run)
expect_wrapped_record(odd_word)

# Over budget through the wrapper: the launcher measured the program under it and stopped it.
expect_one_run("hog" "^hog$" "${HELPER};hog;--mib;400;--hold;--tag;hog" mmtest-run)
expect_wrapped_record(hog)
record_field(hog outcome outcome)
record_field(hog peak peak_memory_bytes)
if(NOT outcome STREQUAL "memory" OR peak LESS 67108864)
  message(FATAL_ERROR "hog: outcome '${outcome}', peak ${peak} bytes; expected a memory kill above 64 MiB")
endif()
record_field(hog diagnosis diagnosis)
mm_test_expect("${diagnosis}" "^mmtest: hog killed: memory [0-9.]+ [KMG]iB exceeded budget 64(\\.0+)? MiB" "hog's diagnosis")

# A command given by its path runs without the wrapper, as with add_test.
runs_with(found "^by_path$")
if(found)
  message(FATAL_ERROR "by_path: its command is a path, not a target, yet the ${CASE} ran it:\n${all_runs}")
endif()
record_field(by_path first command 0)
if(NOT first STREQUAL HELPER)
  message(FATAL_ERROR "by_path: the record's command starts '${first}', expected '${HELPER}'")
endif()

# ---- mm_gtest_discover_tests and mm_gtest_add_shards ---------------------------------------------
# Discovery runs the program through the wrapper too (directly from ctest, not under mmtest-run).
runs_with(found "^--gtest_list_tests$")
if(NOT found)
  message(FATAL_ERROR "discovery of sample did not run under the ${CASE}:\n${all_runs}")
endif()
foreach(case Sample.Passes Sample.SeesItsEnvironment Sample.Skips)
  string(REPLACE "." "\\." case_regex "${case}")
  expect_one_run("gt.${case}" "^--gtest_filter=${case_regex}$"
    "${SAMPLE};--gtest_filter=${case};--gtest_color=no" mmtest-run)
  expect_wrapped_record(gt.${case})
endforeach()
record_field(gt.Sample.Skips outcome outcome)
if(NOT outcome STREQUAL "skipped")
  message(FATAL_ERROR "gt.Sample.Skips: outcome '${outcome}' through the ${CASE}, expected skipped")
endif()
mm_test_expect("${run_out}" "gt\\.Sample\\.Skips \\.+\\*+Skipped" "ctest shows the skipped case")
foreach(shard 1 2)
  expect_wrapped_record(sh.sample.shard_${shard}_of_2)
endforeach()

# ---- Both on one target: add_test's order, the test launcher first --------------------------------
if(CASE STREQUAL "launcher")
  set(CASE emulator)
  expect_one_run("both, its emulator" "^both$" "${HELPER};exit;--code;0;--tag;both" mmtest-run)
  set(CASE launcher)
  # The launcher's run: the emulator and the program after it.
  foreach(i IN LISTS run_ids)
    if(run_${i}_tag STREQUAL "launcher" AND "${run_${i}_args}" MATCHES ";both$")
      set(expected "${record_script};emulator;${log_dir};${HELPER};exit;--code;0;--tag;both")
      if(NOT "${run_${i}_args}" STREQUAL "${expected}" OR NOT run_${i}_parent STREQUAL "mmtest-run")
        message(FATAL_ERROR "both: the launcher ran '${run_${i}_args}' (started by ${run_${i}_parent}), "
          "expected mmtest-run to start it with\n  ${expected}")
      endif()
      set(launcher_seen TRUE)
    endif()
  endforeach()
  if(NOT launcher_seen)
    message(FATAL_ERROR "both: no run of the test launcher:\n${all_runs}")
  endif()
endif()
