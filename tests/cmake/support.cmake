# Helpers for the cmake -P drivers of tests/cmake/: run a command, fail with its output.

# mm_test_run(<out_prefix> [EXPECT_FAILURE] [ENV <VAR=value>...] [WORKING_DIRECTORY <dir>]
#             COMMAND <cmd>...)
# Runs <cmd>; sets <out_prefix>_rc, <out_prefix>_out, <out_prefix>_err. Unless EXPECT_FAILURE,
# a non-zero exit fails the test with everything the command printed.
function(mm_test_run prefix)
  cmake_parse_arguments(PARSE_ARGV 1 arg "EXPECT_FAILURE" "WORKING_DIRECTORY" "ENV;COMMAND")
  set(command ${arg_COMMAND})
  if(arg_ENV)
    set(command ${CMAKE_COMMAND} -E env ${arg_ENV} ${arg_COMMAND})
  endif()
  set(where "")
  if(arg_WORKING_DIRECTORY)
    set(where WORKING_DIRECTORY "${arg_WORKING_DIRECTORY}")
  endif()
  execute_process(COMMAND ${command} ${where}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT arg_EXPECT_FAILURE AND NOT rc EQUAL 0)
    list(JOIN command " " shown)
    message(FATAL_ERROR "command failed (${rc}): ${shown}\n--- stdout\n${out}\n--- stderr\n${err}")
  endif()
  set(${prefix}_rc "${rc}" PARENT_SCOPE)
  set(${prefix}_out "${out}" PARENT_SCOPE)
  set(${prefix}_err "${err}" PARENT_SCOPE)
endfunction()

# mm_test_expect(<text> <regex> <what>): <regex> must match <text> with whitespace runs folded
# to one space (CMake wraps long messages).
function(mm_test_expect text regex what)
  string(REGEX REPLACE "[ \t\r\n]+" " " flat "${text}")
  if(NOT flat MATCHES "${regex}")
    message(FATAL_ERROR "${what}: expected to match\n  ${regex}\ngot:\n${text}")
  endif()
endfunction()

# mm_test_expect_not(<text> <regex> <what>)
function(mm_test_expect_not text regex what)
  string(REGEX REPLACE "[ \t\r\n]+" " " flat "${text}")
  if(flat MATCHES "${regex}")
    message(FATAL_ERROR "${what}: expected NOT to match\n  ${regex}\ngot:\n${text}")
  endif()
endfunction()

# mm_test_regex_escape(<out> <text>): <text> as a regex matching itself.
function(mm_test_regex_escape out text)
  string(REGEX REPLACE "([][\\\\^$.|?*+(){}])" "\\\\\\1" escaped "${text}")
  set(${out} "${escaped}" PARENT_SCOPE)
endfunction()

# mm_test_index(<json> <name> <out>): the index of test <name> in `ctest --show-only=json-v1`
# output <json>; a fatal error listing what ctest knows when there is none.
function(mm_test_index json name out)
  string(JSON count LENGTH "${json}" tests)
  math(EXPR last "${count} - 1")
  foreach(i RANGE 0 ${last})
    string(JSON test_name GET "${json}" tests ${i} name)
    if(test_name STREQUAL name)
      set(${out} ${i} PARENT_SCOPE)
      return()
    endif()
  endforeach()
  message(FATAL_ERROR "no test named '${name}' was registered; ctest knows:\n${json}")
endfunction()

# mm_test_property(<json> <test> <property> <out>): the property of test <test> in `ctest
# --show-only=json-v1` output <json>, as compact JSON text (`["a","b"]`, `7.5`, `60`, `true`),
# or empty when the test does not have it.
function(mm_test_property json name property out)
  mm_test_index("${json}" "${name}" i)
  string(JSON count LENGTH "${json}" tests ${i} properties)
  set(value "")
  math(EXPR last "${count} - 1")
  foreach(p RANGE 0 ${last}) # a test always has some, WORKING_DIRECTORY at least
    string(JSON property_name GET "${json}" tests ${i} properties ${p} name)
    if(property_name STREQUAL property)
      string(JSON type TYPE "${json}" tests ${i} properties ${p} value)
      string(JSON value GET "${json}" tests ${i} properties ${p} value)
      if(type STREQUAL "ARRAY")
        string(JSON length LENGTH "${json}" tests ${i} properties ${p} value)
        set(items "")
        math(EXPR last_item "${length} - 1")
        foreach(k RANGE 0 ${last_item})
          string(JSON item GET "${json}" tests ${i} properties ${p} value ${k})
          list(APPEND items "\"${item}\"")
        endforeach()
        list(JOIN items "," value)
        set(value "[${value}]")
      elseif(type STREQUAL "STRING")
        set(value "\"${value}\"")
      elseif(type STREQUAL "BOOLEAN")
        if(value)
          set(value true)
        else()
          set(value false)
        endif()
      else()
        string(REGEX REPLACE "^([0-9]+)\\.0$" "\\1" value "${value}")
      endif()
      break()
    endif()
  endforeach()
  set(${out} "${value}" PARENT_SCOPE)
endfunction()
