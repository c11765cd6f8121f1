# Distributed with mmtest. Private part of MMTest.cmake and MMTestGTest.cmake: the rules about test
# and case names that the planner (harness/plan) applies too, so that both sides decide alike:
# which names CTest's cost file can carry, which GoogleTest cases are disabled, and what a
# CASE_TIMEOUTS pattern matches. tests/conformance/names.txt is the one table of cases both are
# tested against (tests/cmake/check-conformance.cmake, launcher_unit_tests' Conformance cases).

include_guard(GLOBAL)

# _mm_cost_file_can_hold(<name> <out>): TRUE when CTest's cost file can carry <name>'s cost. CTest
# splits each line at every space and stops at a line that is exactly "---", and a name on two
# lines is no name at all: a name that is empty, holds a space or a line break, or is "---" keeps
# a COST property set at configure time instead.
function(_mm_cost_file_can_hold name out)
  if(name STREQUAL "" OR name STREQUAL "---" OR name MATCHES "[ \r\n]")
    set(${out} FALSE PARENT_SCOPE)
  else()
    set(${out} TRUE PARENT_SCOPE)
  endif()
endfunction()

# _mm_case_disabled(<Suite.Case> <out>): TRUE for a case GoogleTest does not run, one whose suite
# or name (after a parameterised prefix "Instance/") starts with DISABLED_.
function(_mm_case_disabled case out)
  if(case MATCHES "(^|\\.|/)DISABLED_")
    set(${out} TRUE PARENT_SCOPE)
  else()
    set(${out} FALSE PARENT_SCOPE)
  endif()
endfunction()

# _mm_glob_regex(<pattern> <out>): the anchored regular expression of a CASE_TIMEOUTS pattern, a
# GoogleTest-style glob over "<Suite>.<Case>": '*' any run of characters, '?' any one, every other
# character itself.
function(_mm_glob_regex pattern out)
  string(REGEX REPLACE "([][+.^$(){}|\\])" "\\\\\\1" regex "${pattern}")
  string(REPLACE "*" ".*" regex "${regex}")
  string(REPLACE "?" "." regex "${regex}")
  set(${out} "^${regex}$" PARENT_SCOPE)
endfunction()
