# cmake -P driver: the optional/ fixture adopts mmtest through its own copy of the installed
# MMTestOptional.cmake and is configured and run with real ctest three ways:
#   absent    mmtest not found: plain CTest tests with the labels and timeouts mmtest would give,
#             GoogleTest cases discovered, one status line, no records
#   present   found from an install prefix: the same calls, tests under mmtest-run, records
#   required  MMTEST_REQUIRED=ON without mmtest: a configure error
#   -DMMTEST_BUILD=<mmtest build dir> -DWORK=<dir> -DGENERATOR=<generator>
#   -DDOC=<docs/user-guide.md, whose quoted status line must be the real one>
cmake_minimum_required(VERSION 3.25)
include("${CMAKE_CURRENT_LIST_DIR}/support.cmake")
file(REMOVE_RECURSE "${WORK}")

# The project carries the file copied from an install, as a user would copy it.
set(prefix "${WORK}/prefix")
mm_test_run(install COMMAND ${CMAKE_COMMAND} --install "${MMTEST_BUILD}" --prefix "${prefix}")
file(GLOB_RECURSE installed "${prefix}/*/MMTestOptional.cmake")
if(NOT installed)
  message(FATAL_ERROR "MMTestOptional.cmake is not installed under ${prefix}")
endif()
set(project "${WORK}/project")
file(COPY "${CMAKE_CURRENT_LIST_DIR}/optional/" DESTINATION "${project}")
file(COPY ${installed} DESTINATION "${project}/cmake")

# A GoogleTest executable stand-in: lists two cases, passes whatever it is asked to run.
set(fake "${WORK}/fake-gtest")
file(WRITE "${fake}.in" "#!/bin/sh\ncase \"$1\" in --gtest_list_tests) printf 'Suite.\\n  one\\n  two\\n' ;; *) echo \"ran $*\" ;; esac\n")
file(COPY_FILE "${fake}.in" "${fake}")
file(CHMOD "${fake}" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)

set(tests opt.unit opt.explicit opt.labels opt.nightly opt.perf opt.everything opt.words opt.sub.default
  gt.Suite.one gt.Suite.two)

# expect(<test> <property> <compact JSON value, empty: absent>...): the test's properties.
function(expect test)
  while(ARGN)
    list(POP_FRONT ARGN property expected)
    mm_test_property("${json}" "${test}" "${property}" value)
    if(NOT value STREQUAL expected)
      message(FATAL_ERROR "${mode}: test ${test} has ${property} '${value}', expected '${expected}'")
    endif()
  endwhile()
endfunction()

# ---- absent --------------------------------------------------------------------------------------
set(mode absent)
set(build "${WORK}/absent")
mm_test_run(configure COMMAND ${CMAKE_COMMAND} -S "${project}" -B "${build}" -G "${GENERATOR}"
  -DCMAKE_DISABLE_FIND_PACKAGE_mmtest=ON "-DFAKE_GTEST=${fake}")
# One line for the whole configure (the fixture includes the file twice), the one the user
# guide quotes.
# (The line holds a ';': matched as strings, never as lists.)
string(REGEX MATCHALL "-- mmtest not found" lines "${configure_out}")
list(LENGTH lines count)
if(NOT count EQUAL 1)
  message(FATAL_ERROR "absent: expected one 'mmtest not found' line, got ${count}:\n${configure_out}")
endif()
file(READ "${DOC}" doc)
if(NOT doc MATCHES "\n *(-- mmtest not found[^\n]*)")
  message(FATAL_ERROR "absent: ${DOC} quotes no '-- mmtest not found' line")
endif()
set(doc_line "${CMAKE_MATCH_1}")
string(FIND "${configure_out}" "${doc_line}\n" at)
if(at LESS 0)
  message(FATAL_ERROR "absent: ${DOC} quotes\n  ${doc_line}\nbut configure printed\n${configure_out}")
endif()
# The file's own documentation quotes it too.
file(READ "${project}/cmake/MMTestOptional.cmake" module)
string(FIND "${module}" "  ${doc_line}\n" at)
if(at LESS 0)
  message(FATAL_ERROR "absent: MMTestOptional.cmake's documentation does not quote\n  ${doc_line}")
endif()

mm_test_run(show COMMAND ${CMAKE_CTEST_COMMAND} --test-dir "${build}" --show-only=json-v1)
set(json "${show_out}")
foreach(test IN LISTS tests)
  mm_test_index("${json}" "${test}" i)
  string(JSON program GET "${json}" tests ${i} command 0)
  if(program MATCHES "mmtest-run")
    message(FATAL_ERROR "absent: test ${test} runs ${program}")
  endif()
endforeach()
expect(opt.unit LABELS [\"unit\"] TIMEOUT 60 RUN_SERIAL "")
expect(opt.explicit LABELS [\"integration\"] TIMEOUT 7.5)
expect(opt.labels LABELS [\"integration\",\"nightly\"] TIMEOUT 300)
expect(opt.nightly TIMEOUT 42)
expect(opt.perf LABELS [\"performance\"] TIMEOUT 900 RUN_SERIAL true)
expect(opt.everything TIMEOUT 20 PROCESSORS 2 WILL_FAIL true
  WORKING_DIRECTORY "\"${project}\"" ENVIRONMENT [\"A=1\",\"B=two\ words\"]
  ATTACHED_FILES [\"a.txt\",\"b.txt\"] RESOURCE_GROUPS "")
expect(opt.sub.default TIMEOUT 123 LABELS "")
# Shards: plain tests with GoogleTest's sharding variables.
expect(opt.fake_gtest.shard_1_of_2 TIMEOUT 9 LABELS [\"unit\"] ENVIRONMENT [\"GTEST_TOTAL_SHARDS=2\",\"GTEST_SHARD_INDEX=0\"])
expect(opt.fake_gtest.shard_2_of_2 TIMEOUT 9 ENVIRONMENT [\"GTEST_TOTAL_SHARDS=2\",\"GTEST_SHARD_INDEX=1\"])
# CASE_TIMEOUTS: the first matching pattern, over the name without its prefix.
expect(gt.Suite.one TIMEOUT 44)
expect(gt.Suite.two TIMEOUT 33)
foreach(test gt.Suite.one gt.Suite.two)
  expect(${test} LABELS [\"nightly\",\"unit\"] ENVIRONMENT [\"X=1\",\"Y=2\"])
  mm_test_index("${json}" "${test}" i)
  string(JSON command GET "${json}" tests ${i} command)
  if(NOT command MATCHES "\"${fake}\".*--extra")
    message(FATAL_ERROR "absent: ${test} runs ${command}")
  endif()
endforeach()

mm_test_run(test COMMAND ${CMAKE_CTEST_COMMAND} --test-dir "${build}" -j2 --output-on-failure)
mm_test_expect("${test_out}" "100% tests passed, 0 tests failed out of 12" "absent: ctest")
mm_test_expect_not("${test_out}${test_err}" "mmtest:" "absent: ctest")
if(EXISTS "${build}/mmtest-results" OR EXISTS "${build}/mmtest")
  message(FATAL_ERROR "absent: mmtest files were written in ${build}")
endif()

# ---- present -------------------------------------------------------------------------------------
set(mode present)
set(build "${WORK}/present")
mm_test_run(configure COMMAND ${CMAKE_COMMAND} -S "${project}" -B "${build}" -G "${GENERATOR}"
  "-DCMAKE_PREFIX_PATH=${prefix}" -DMMTEST_REQUIRED=ON "-DFAKE_GTEST=${fake}")
mm_test_expect_not("${configure_out}" "mmtest not found" "present: configure")
mm_test_run(show COMMAND ${CMAKE_CTEST_COMMAND} --test-dir "${build}" --show-only=json-v1)
set(json "${show_out}")
foreach(test IN LISTS tests)
  mm_test_index("${json}" "${test}" i)
  string(JSON program GET "${json}" tests ${i} command 0)
  if(NOT program STREQUAL "${prefix}/bin/mmtest-run")
    message(FATAL_ERROR "present: test ${test} runs ${program}, expected ${prefix}/bin/mmtest-run")
  endif()
endforeach()
# mmtest's own values: its CTest TIMEOUT is the launcher's plus 15 s.
expect(opt.unit LABELS [\"unit\"] TIMEOUT 75)
expect(opt.sub.default TIMEOUT 138)
mm_test_run(test COMMAND ${CMAKE_CTEST_COMMAND} --test-dir "${build}" -j2 --output-on-failure)
mm_test_expect("${test_out}" "100% tests passed, 0 tests failed out of 12" "present: ctest")
mm_test_expect("${test_err}" "mmtest: memory budget [0-9]+ MiB" "present: ctest")
foreach(test IN LISTS tests)
  if(NOT EXISTS "${build}/mmtest-results/${test}.json")
    message(FATAL_ERROR "present: no result record for ${test} in ${build}/mmtest-results")
  endif()
endforeach()

# ---- required ------------------------------------------------------------------------------------
mm_test_run(required EXPECT_FAILURE COMMAND ${CMAKE_COMMAND} -S "${project}" -B "${WORK}/required"
  -G "${GENERATOR}" -DCMAKE_DISABLE_FIND_PACKAGE_mmtest=ON -DMMTEST_REQUIRED=ON "-DFAKE_GTEST=${fake}")
if(required_rc EQUAL 0)
  message(FATAL_ERROR "required: configure succeeded without mmtest")
endif()
mm_test_expect("${required_err}" "CMake Error at cmake/MMTestOptional.cmake:[0-9]+ \\(message\\): mmtest was not found and MMTEST_REQUIRED is ON" "required")
