# Distributed with mmtest. Private part of MMTestRuntime.cmake: included by _mm_hold_learned_cpus
# when `mmtest plan` gave some test CPU groups other than those it declared. It wraps CTest's
# set_tests_properties() for the rest of the test list: a call that sets the RESOURCE_GROUPS of a
# test with a global property "_MM_CPU_GROUPS <name>" has that test's mmtest_cpus groups replaced
# by the property's; every call goes on to CTest's own command (_set_tests_properties) with each
# argument as it came, empty ones and ';' included.
#
# Every test of the list passes through here, so it is written for speed (bench/report.sh: the
# hook for 5,000 tests): one bracket argument per argument, written with a fixed delimiter unless
# an argument holds "]=", then one regular expression on the code for the groups.

include_guard(GLOBAL)
include("${CMAKE_CURRENT_LIST_DIR}/Resources.cmake")
_mm_resource_names()
set(_MM_LEARNED_CPU_GROUP_REGEX "(^|,)${_MM_CPU_RESOURCE}:")

function(set_tests_properties)
  math(EXPR _mm_last "${ARGC} - 1")
  set(_mm_code "_set_tests_properties(")
  string(FIND "${ARGV}" "]=" _mm_at)
  if(_mm_at EQUAL -1)
    foreach(_mm_i RANGE ${_mm_last})
      string(APPEND _mm_code " [==[${ARGV${_mm_i}}]==]")
    endforeach()
  else()
    # A bracket argument long enough that the value cannot end it, nor its last ']' with it.
    foreach(_mm_i RANGE ${_mm_last})
      set(_mm_equals "==")
      while("${ARGV${_mm_i}}]" MATCHES "]${_mm_equals}]")
        string(APPEND _mm_equals "=")
      endwhile()
      string(APPEND _mm_code " [${_mm_equals}[${ARGV${_mm_i}}]${_mm_equals}]")
    endforeach()
  endif()
  get_property(_mm_cpu_groups GLOBAL PROPERTY "_MM_CPU_GROUPS ${ARGV0}")
  if(NOT "${_mm_cpu_groups}" STREQUAL "" AND "${ARGV1}" STREQUAL "PROPERTIES"
      AND _mm_code MATCHES " \\[==\\[RESOURCE_GROUPS\\]==\\] \\[==\\[([^]]*)\\]==\\]")
    set(_mm_groups "${CMAKE_MATCH_1}")
    set(_mm_declared "${CMAKE_MATCH_0}")
    list(FILTER _mm_groups EXCLUDE REGEX "${_MM_LEARNED_CPU_GROUP_REGEX}")
    list(APPEND _mm_groups ${_mm_cpu_groups})
    string(REPLACE "${_mm_declared}" " [==[RESOURCE_GROUPS]==] [==[${_mm_groups}]==]" _mm_code "${_mm_code}")
  endif()
  cmake_language(EVAL CODE "${_mm_code})")
endfunction()
