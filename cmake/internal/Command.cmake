# Distributed with mmtest. Private part of MMTest.cmake and MMTestGTest.cmake: the words of a
# test's command, mmtest-run and its options, then the target's test launcher and emulator, the
# program and its arguments, each reaching the program as written. mmtest-run's invocation is
# written here alone, for add_mm_test at configure time and for each GoogleTest case when ctest
# starts.

include_guard(GLOBAL)

# _mm_launcher_flags(<out> <allow_leaks> <pin_cpus> <labels> <memory>): the launcher's flags of a
# test: --measurements, --labels (for the record), --memory-default when the call declared no
# <memory> (MEMORY, or the calibration's), --allow-leaks, and --pin-cpus when asked for or for a
# performance test, whose figures are steadier on CPUs of its own.
function(_mm_launcher_flags out allow_leaks pin_cpus labels memory)
  # The peak memory and CPU time reach CTest's Test.xml (and CDash) as measurements.
  set(flags --measurements)
  if(NOT "${labels}" STREQUAL "")
    # Labels are words of [A-Za-z0-9_.-] (Labels.cmake): a comma never occurs in one.
    list(JOIN labels "," joined)
    list(APPEND flags "--labels=${joined}")
  endif()
  if("${memory}" STREQUAL "")
    # A default applied: reports list the test as undeclared, never as oversized.
    list(APPEND flags --memory-default)
  endif()
  if(allow_leaks)
    list(APPEND flags --allow-leaks)
  endif()
  if(pin_cpus OR "performance" IN_LIST labels)
    list(APPEND flags --pin-cpus)
  endif()
  set(${out} "${flags}" PARENT_SCOPE)
endfunction()

# _mm_test_wrappers(<out> <target>): what add_test would run the executable <target> under, in
# add_test's order: its TEST_LAUNCHER (CMake 3.29 and later, the first to know it), then its
# CROSSCOMPILING_EMULATOR; each a list whose items may be generator expressions or empty. Empty
# when it has neither. mmtest puts them after mmtest-run's "--": CTest itself only adds them to a
# command that starts with a target's name, and mmtest's commands start with the launcher's file
# ($<TARGET_FILE:mmtest::run> or MMTEST_RUN), so nothing runs them outside the launcher, nor
# runs the launcher under them.
function(_mm_test_wrappers out target)
  set(wrappers "")
  if(NOT CMAKE_VERSION VERSION_LESS 3.29)
    get_property(wrappers TARGET "${target}" PROPERTY TEST_LAUNCHER)
  endif()
  get_property(emulator TARGET "${target}" PROPERTY CROSSCOMPILING_EMULATOR)
  if(NOT "${emulator}" STREQUAL "")
    if("${wrappers}" STREQUAL "")
      set(wrappers "${emulator}")
    else()
      string(APPEND wrappers ";${emulator}")
    endif()
  endif()
  set(${out} "${wrappers}" PARENT_SCOPE)
endfunction()

# _mm_launcher_call(<out> <form> <launcher> <name> <memory> <timeout> <grace> <result> <flags> <extra>)
#
# mmtest-run's invocation up to (not including) "--", as CMake code for add_test's arguments: the
# launcher, its options, then the words of the lists <flags> (from _mm_launcher_flags()) and
# <extra>. Options use the "--opt=value" form so a name starting with '-' is never taken for an
# option. Every argument after <form> is the name of a variable that holds the value when the
# code is evaluated: the code refers to it, so that one call serves every GoogleTest case. (Not
# one of this function's parameters: <flags> and <extra> are read here with CONFIGURE.)
# <form>:
#   CONFIGURE  for add_test(NAME ... COMMAND ...), which evaluates generator expressions: <name>
#              must hold the name with a literal "$<" kept from being read as one. The words of
#              <flags> and <extra> are written in, quoted; add_test would read a bare keyword of
#              its own as one (_mm_command_word()).
#   CTEST      for add_test(<name> ...) in a file ctest reads, which evaluates nothing: <flags>
#              and <extra> expand as lists, as when written into the call.
function(_mm_launcher_call out form launcher name memory timeout grace result flags extra)
  string(CONFIGURE [[
"${@launcher@}" "--name=${@name@}" "--memory=${@memory@}" "--timeout=${@timeout@}"
"--grace=${@grace@}" "--result=${@result@}"]] code @ONLY)
  if(form STREQUAL "CTEST")
    string(APPEND code " \${${flags}} \${${extra}}")
  else()
    foreach(word IN LISTS ${flags} ${extra})
      _mm_command_word(quoted "${word}")
      string(APPEND code " ${quoted}")
    endforeach()
  endif()
  set(${out} "${code}" PARENT_SCOPE)
endfunction()

# _mm_command_word(<out> <word>): a quoted add_test COMMAND argument. add_test would read a bare
# CONFIGURATIONS, WORKING_DIRECTORY or COMMAND_EXPAND_LISTS as its own keyword; wrapped in a
# generator expression it stays an argument.
function(_mm_command_word out word)
  if(word MATCHES "^(CONFIGURATIONS|WORKING_DIRECTORY|COMMAND_EXPAND_LISTS)$")
    set(word "$<1:${word}>")
  endif()
  _mm_quote(quoted "${word}")
  set(${out} "${quoted}" PARENT_SCOPE)
endfunction()
