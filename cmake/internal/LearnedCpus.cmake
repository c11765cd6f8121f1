# Distributed with mmtest. Private part of MMTestRuntime.cmake: included by _mm_hold_learned_cpus
# when `mmtest plan` gave some test CPU groups other than those it declared. It wraps CTest's
# set_tests_properties() for the rest of the test list: a call that sets one test's
# RESOURCE_GROUPS has that test's mmtest_cpus groups replaced by the global property
# "_MM_CPU_GROUPS <name>" when there is one; every call goes on to CTest's own command
# (_set_tests_properties) with each argument as it came, empty ones and ';' included.

include_guard(GLOBAL)

function(set_tests_properties)
  math(EXPR _mm_last "${ARGC} - 1")
  # Which argument holds RESOURCE_GROUPS' value, in a call for one test.
  set(_mm_groups_at -1)
  if(ARGC GREATER 3 AND "${ARGV1}" STREQUAL "PROPERTIES")
    foreach(_mm_i RANGE 2 ${_mm_last} 2)
      if("${ARGV${_mm_i}}" STREQUAL "RESOURCE_GROUPS")
        math(EXPR _mm_groups_at "${_mm_i} + 1")
      endif()
    endforeach()
  endif()
  set(_mm_cpu_groups "")
  if(_mm_groups_at GREATER 0)
    get_property(_mm_cpu_groups GLOBAL PROPERTY "_MM_CPU_GROUPS ${ARGV0}")
  endif()
  set(_mm_code "_set_tests_properties(")
  foreach(_mm_i RANGE 0 ${_mm_last})
    set(_mm_value "${ARGV${_mm_i}}")
    if(_mm_i EQUAL _mm_groups_at AND NOT "${_mm_cpu_groups}" STREQUAL "")
      list(FILTER _mm_value EXCLUDE REGEX "(^|,)mmtest_cpus:")
      list(APPEND _mm_value ${_mm_cpu_groups})
    endif()
    # A bracket argument long enough that the value cannot end it, nor its last ']' with it.
    set(_mm_equals "")
    while("${_mm_value}]" MATCHES "]${_mm_equals}]")
      string(APPEND _mm_equals "=")
    endwhile()
    string(APPEND _mm_code " [${_mm_equals}[${_mm_value}]${_mm_equals}]")
  endforeach()
  cmake_language(EVAL CODE "${_mm_code})")
endfunction()
