# Distributed with mmtest; meant to be copied into a project that adopts mmtest optionally.
# Generated from cmake/MMTestOptional.cmake.in with the defaults of cmake/internal/Defaults.cmake
# by `cmake -P cmake/internal/WriteOptional.cmake`: edit those two, not the generated file.
#[=======================================================================[.rst:
MMTestOptional
--------------

Use ``add_mm_test``, ``mm_gtest_discover_tests`` and ``mm_register_labels`` without making
mmtest a requirement of everyone who builds the tests. Copy this one file into the project
(from mmtest's ``cmake/`` or from ``<prefix>/lib/cmake/mmtest/`` of an install) and include it
in the top-level ``CMakeLists.txt`` where ``find_package(mmtest)`` would be:

.. code-block:: cmake

  enable_testing()
  include(cmake/MMTestOptional.cmake)
  add_mm_test(NAME order_book_replay COMMAND replay_test --days 30
              MEMORY 2G TIMEOUT 600 LABELS integration)
  mm_gtest_discover_tests(unit_tests MEMORY 128M LABELS unit)

When mmtest is there (already added by ``add_subdirectory``/``FetchContent``, or found by
``find_package(mmtest CONFIG)``), these are mmtest's own commands and the tests run under
``mmtest-run``. When it is not, configure prints one line::

  -- mmtest not found: add_mm_test() and mm_gtest_discover_tests() add plain CTest tests (labels and timeouts, no memory limits or records); set MMTEST_REQUIRED=ON to require mmtest

and the same calls add plain CTest tests: ``add_test`` (one per shard for ``mm_gtest_add_shards``,
with GoogleTest's sharding variables), or CMake's ``gtest_discover_tests`` with
``DISCOVERY_MODE PRE_TEST``, with

- ``LABELS``, known ones only, as with mmtest (the built-in labels and those given to
  ``mm_register_labels``);
- CTest's ``TIMEOUT``: the ``TIMEOUT`` argument, else the largest timeout of the labels, in
  seconds (``unit`` 60, ``integration`` 300, ``performance``/``chaos``/``operational`` 900, ``slow`` 1800, ``soak`` 7200,
  or a registered one), else ``MMTEST_DEFAULT_TIMEOUT``, else 300 s;
- ``RUN_SERIAL`` for ``performance``; ``WORKING_DIRECTORY``, ``ENVIRONMENT``, ``WILL_FAIL``,
  ``PROCESSORS`` (a part of a CPU rounded up) and ``PROPERTIES`` as given (list values stay whole);
- ``CASE_TIMEOUTS`` of ``mm_gtest_discover_tests``: the ``TIMEOUT`` of the matching cases;
- ``MEMORY``, ``GPUS``, ``PIN_CPUS``, ``FIXED_PROCESSORS``, ``ALLOW_LEAKS``, ``NO_CALIBRATION`` and
  ``LAUNCHER_ARGS`` accepted and without effect (no calibration file is read).

Without mmtest only unknown keywords and labels are errors: a build with mmtest (CI with
``MMTEST_REQUIRED``) checks sizes, seconds and ``PROPERTIES`` as well.

.. variable:: MMTEST_REQUIRED

  Option, default ``OFF``. When ``ON``, a missing mmtest is a configure error, for the builds
  that must run their tests under it (e.g. ``-DMMTEST_REQUIRED=ON`` in CI).
#]=======================================================================]

include_guard(GLOBAL)
option(MMTEST_REQUIRED "Fail to configure when mmtest is not found" OFF)
if(NOT COMMAND add_mm_test)
  find_package(mmtest CONFIG QUIET)
endif()
if(COMMAND add_mm_test)
  return()
endif()
if(MMTEST_REQUIRED)
  message(FATAL_ERROR "mmtest was not found and MMTEST_REQUIRED is ON: set CMAKE_PREFIX_PATH to "
    "an mmtest install prefix or mmtest_DIR to its build directory, or add it with "
    "add_subdirectory() or FetchContent before including MMTestOptional.cmake")
endif()
message(STATUS "mmtest not found: add_mm_test() and mm_gtest_discover_tests() add plain CTest "
  "tests (labels and timeouts, no memory limits or records); set MMTEST_REQUIRED=ON to require mmtest")

# ---- Without mmtest: the same commands, adding plain CTest tests -----------------------------------
# The keyword lists are mmtest's own (its tests/cmake/check-keywords.cmake keeps them equal), so a
# call that configures with mmtest configures without it.

function(mm_register_labels)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "TIMEOUT" "")
  foreach(label IN LISTS arg_UNPARSED_ARGUMENTS)
    get_property(known GLOBAL PROPERTY "_MM_PLAIN_LABEL_${label}" SET)
    if(DEFINED arg_TIMEOUT OR NOT known)
      set_property(GLOBAL PROPERTY "_MM_PLAIN_LABEL_${label}" "${arg_TIMEOUT}")
    endif()
  endforeach()
endfunction()

# mmtest's built-in labels and their timeouts.
mm_register_labels(unit TIMEOUT 60)
mm_register_labels(integration TIMEOUT 300)
mm_register_labels(performance chaos operational TIMEOUT 900)
mm_register_labels(slow TIMEOUT 1800)
mm_register_labels(soak TIMEOUT 7200)

function(add_mm_test)
  cmake_parse_arguments(PARSE_ARGV 0 arg
    "ALLOW_LEAKS;WILL_FAIL;PIN_CPUS;NO_CALIBRATION;FIXED_PROCESSORS"
    "NAME;MEMORY;TIMEOUT;PROCESSORS;GPUS;WORKING_DIRECTORY"
    "COMMAND;LABELS;ENVIRONMENT;PROPERTIES;LAUNCHER_ARGS")
  set(caller "add_mm_test(${arg_NAME})")
  if(NOT DEFINED arg_NAME)
    set(caller "add_mm_test")
  endif()
  _mm_plain_check_call("${caller}")
  if(NOT DEFINED arg_NAME OR NOT DEFINED arg_COMMAND)
    message(FATAL_ERROR "${caller}: NAME and COMMAND are required")
  endif()
  _mm_plain_properties("${caller}" properties)
  # Each word a bracket argument, so that an empty one or one holding ';' reaches the program.
  set(words "")
  foreach(word IN LISTS arg_COMMAND)
    if(word MATCHES "^(CONFIGURATIONS|WORKING_DIRECTORY|COMMAND_EXPAND_LISTS)$")
      set(word "$<1:${word}>") # not add_test's keyword of that name
    endif()
    _mm_plain_bracket(word "${word}")
    string(APPEND words " ${word}")
  endforeach()
  _mm_plain_bracket(name "${arg_NAME}")
  cmake_language(EVAL CODE "add_test(NAME ${name} COMMAND${words})
set_tests_properties(${name} PROPERTIES ${properties})")
endfunction()

function(mm_gtest_add_shards target)
  cmake_parse_arguments(PARSE_ARGV 1 arg
    "ALLOW_LEAKS;PIN_CPUS;FIXED_PROCESSORS"
    "SHARDS;MEMORY;TIMEOUT;PROCESSORS;TEST_PREFIX;WORKING_DIRECTORY"
    "LABELS;EXTRA_ARGS;ENVIRONMENT;PROPERTIES;LAUNCHER_ARGS")
  set(caller "mm_gtest_add_shards(${target})")
  _mm_plain_check_call("${caller}")
  if(NOT arg_SHARDS MATCHES "^0*[1-9][0-9]*$")
    message(FATAL_ERROR "${caller}: SHARDS expects a count from 1 to 9999, got '${arg_SHARDS}'")
  endif()
  math(EXPR last "${arg_SHARDS} - 1")
  set(forwarded "")
  foreach(keyword TIMEOUT PROCESSORS WORKING_DIRECTORY)
    if(DEFINED arg_${keyword})
      list(APPEND forwarded ${keyword} "${arg_${keyword}}")
    endif()
  endforeach()
  if(DEFINED arg_LABELS)
    list(APPEND forwarded LABELS ${arg_LABELS})
  endif()
  foreach(index RANGE 0 ${last})
    math(EXPR number "${index} + 1")
    set(name "${arg_TEST_PREFIX}${target}.shard_${number}_of_${arg_SHARDS}")
    add_mm_test(NAME "${name}" COMMAND ${target} ${arg_EXTRA_ARGS} ${forwarded}
      ENVIRONMENT ${arg_ENVIRONMENT} "GTEST_TOTAL_SHARDS=${arg_SHARDS}" "GTEST_SHARD_INDEX=${index}")
    set(pairs "${arg_PROPERTIES}")
    while(pairs)
      list(POP_FRONT pairs property value)
      set_property(TEST "${name}" PROPERTY "${property}" "${value}")
    endwhile()
  endforeach()
endfunction()

function(mm_gtest_discover_tests target)
  cmake_parse_arguments(PARSE_ARGV 1 arg
    "ALLOW_LEAKS;PIN_CPUS;FIXED_PROCESSORS"
    "MEMORY;TIMEOUT;PROCESSORS;TEST_PREFIX;TEST_SUFFIX;WORKING_DIRECTORY;DISCOVERY_TIMEOUT"
    "LABELS;EXTRA_ARGS;ENVIRONMENT;PROPERTIES;LAUNCHER_ARGS;CASE_TIMEOUTS")
  _mm_plain_check_call("mm_gtest_discover_tests(${target})")
  _mm_plain_properties("mm_gtest_discover_tests(${target})" properties)
  get_property(calls DIRECTORY PROPERTY _MM_PLAIN_GTEST_CALLS)
  math(EXPR calls "0${calls} + 1")
  set_property(DIRECTORY PROPERTY _MM_PLAIN_GTEST_CALLS ${calls})
  set(test_list "_mm_plain_gtest_tests_${calls}")
  set(options "")
  foreach(keyword TEST_PREFIX TEST_SUFFIX WORKING_DIRECTORY DISCOVERY_TIMEOUT)
    if(DEFINED arg_${keyword})
      list(APPEND options ${keyword} "${arg_${keyword}}")
    endif()
  endforeach()
  include(GoogleTest)
  gtest_discover_tests(${target} DISCOVERY_MODE PRE_TEST TEST_LIST ${test_list} ${options}
    EXTRA_ARGS ${arg_EXTRA_ARGS})
  # gtest_discover_tests of CMake 3.25 splits list values of its PROPERTIES: set them from a
  # file ctest reads after the discovered tests, over their list.
  set(file "${CMAKE_CURRENT_BINARY_DIR}/${target}_mmtest_plain_${calls}.cmake")
  # CASE_TIMEOUTS as mmtest applies them: the first glob that matches <Suite>.<Case> (the name
  # without the prefix and suffix) sets the case's TIMEOUT.
  set(case_timeouts "")
  set(pairs "${arg_CASE_TIMEOUTS}")
  while(pairs)
    list(POP_FRONT pairs pattern seconds)
    string(REGEX REPLACE "([][+.^$(){}|\\])" "\\\\\\1" regex "${pattern}")
    string(REPLACE "*" ".*" regex "${regex}")
    string(REPLACE "?" "." regex "${regex}")
    string(APPEND case_timeouts "  if(NOT matched AND case MATCHES [=[^${regex}$]=])
    set_tests_properties(\"\${test}\" PROPERTIES TIMEOUT [=[${seconds}]=])
    set(matched TRUE)
  endif()
")
  endwhile()
  string(LENGTH "${arg_TEST_PREFIX}" prefix_length)
  string(LENGTH "${arg_TEST_SUFFIX}" suffix_length)
  file(GENERATE OUTPUT "${file}" CONTENT "foreach(test IN LISTS ${test_list})
  set_tests_properties(\"\${test}\" PROPERTIES ${properties})
  string(LENGTH \"\${test}\" length)
  math(EXPR length \"\${length} - ${prefix_length} - ${suffix_length}\")
  string(SUBSTRING \"\${test}\" ${prefix_length} \${length} case)
  set(matched FALSE)
${case_timeouts}endforeach()
")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${file}")
endfunction()

# _mm_plain_check_call(<caller>): the caller's arguments all parsed.
function(_mm_plain_check_call caller)
  if(arg_UNPARSED_ARGUMENTS)
    list(JOIN arg_UNPARSED_ARGUMENTS "', '" unparsed)
    message(FATAL_ERROR "${caller}: unknown argument '${unparsed}'")
  endif()
  if(arg_KEYWORDS_MISSING_VALUES)
    list(JOIN arg_KEYWORDS_MISSING_VALUES ", " missing)
    message(FATAL_ERROR "${caller}: ${missing} needs a value")
  endif()
endfunction()

# _mm_plain_properties(<caller> <out>): "<property> <value>..." for set_tests_properties(), each
# value a bracket argument (a list stays one value), from the caller's arg_* variables.
function(_mm_plain_properties caller out)
  # The timeout resolves as mmtest's does: argument, labels, project variable, built-in.
  set(labels_timeout "")
  foreach(label IN LISTS arg_LABELS)
    get_property(known GLOBAL PROPERTY "_MM_PLAIN_LABEL_${label}" SET)
    if(NOT known)
      message(FATAL_ERROR "${caller}: unknown label '${label}'; register it with mm_register_labels(${label})")
    endif()
    get_property(label_timeout GLOBAL PROPERTY "_MM_PLAIN_LABEL_${label}")
    if(NOT "${label_timeout}" STREQUAL "" AND ("${labels_timeout}" STREQUAL "" OR label_timeout GREATER labels_timeout))
      set(labels_timeout "${label_timeout}")
    endif()
  endforeach()
  if(NOT "${arg_TIMEOUT}" STREQUAL "")
    set(timeout "${arg_TIMEOUT}")
  elseif(NOT "${labels_timeout}" STREQUAL "")
    set(timeout "${labels_timeout}")
  elseif(NOT "${MMTEST_DEFAULT_TIMEOUT}" STREQUAL "")
    set(timeout "${MMTEST_DEFAULT_TIMEOUT}")
  else()
    set(timeout 300)
  endif()
  set(code "")
  _mm_plain_pair(code TIMEOUT "${timeout}")
  if(DEFINED arg_LABELS)
    _mm_plain_pair(code LABELS "${arg_LABELS}")
  endif()
  if("performance" IN_LIST arg_LABELS)
    _mm_plain_pair(code RUN_SERIAL TRUE)
  endif()
  if(arg_WILL_FAIL)
    _mm_plain_pair(code WILL_FAIL TRUE)
  endif()
  foreach(property WORKING_DIRECTORY ENVIRONMENT)
    if(DEFINED arg_${property})
      _mm_plain_pair(code ${property} "${arg_${property}}")
    endif()
  endforeach()
  # CTest counts whole CPUs: a part of one ("0.5", "1.5") is rounded up.
  if(DEFINED arg_PROCESSORS)
    set(processors "${arg_PROCESSORS}")
    if(processors MATCHES "^([0-9]+)\\.([0-9])$")
      set(processors "${CMAKE_MATCH_1}")
      if(NOT CMAKE_MATCH_2 EQUAL 0)
        math(EXPR processors "${processors} + 1")
      endif()
    endif()
    _mm_plain_pair(code PROCESSORS "${processors}")
  endif()
  set(pairs "${arg_PROPERTIES}")
  while(pairs)
    list(POP_FRONT pairs property value)
    _mm_plain_pair(code "${property}" "${value}")
  endwhile()
  set(${out} "${code}" PARENT_SCOPE)
endfunction()

# _mm_plain_pair(<code_var> <property> <value>): appends " <property> [=[<value>]=]" to the
# caller's variable <code_var>.
function(_mm_plain_pair code_var property value)
  _mm_plain_bracket(value "${value}")
  set(${code_var} "${${code_var}} ${property} ${value}" PARENT_SCOPE)
endfunction()

# _mm_plain_bracket(<out> <value>): <value> as a CMake bracket argument.
function(_mm_plain_bracket out value)
  set(equals "=")
  while(value MATCHES "]${equals}]")
    string(APPEND equals "=")
  endwhile()
  set(${out} "[${equals}[${value}]${equals}]" PARENT_SCOPE)
endfunction()
