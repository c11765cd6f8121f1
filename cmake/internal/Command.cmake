# Distributed with mmtest. Private part of MMTest.cmake: the words of a test's command, mmtest-run
# and its options, then the target's test launcher and emulator, the program and its arguments,
# each reaching the program as written.

include_guard(GLOBAL)

# _mm_launcher_flags(<out> <allow_leaks> <pin_cpus> <labels>): the launcher's flags of a test:
# --measurements, --allow-leaks, and --pin-cpus when asked for or for a performance test, whose
# figures are steadier on CPUs of its own.
function(_mm_launcher_flags out allow_leaks pin_cpus labels)
  # The peak memory and CPU time reach CTest's Test.xml (and CDash) as measurements.
  set(flags --measurements)
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

# _mm_launcher_call(<out> <launcher> <name> <memory> <timeout> <result> <flags> <extra>)
#
# The quoted launcher invocation up to (not including) "--". Options use the "--opt=value" form
# so a name starting with '-' is never taken for an option. <flags>: from _mm_launcher_flags().
function(_mm_launcher_call out launcher name memory timeout result flags extra)
  # The name goes through generator expression evaluation in add_test's COMMAND: keep a literal
  # "$<" from being read as one.
  string(REPLACE "$<" "$<1:$><" name "${name}")
  set(words "")
  foreach(word "${launcher}" "--name=${name}" "--memory=${memory}" "--timeout=${timeout}"
      "--grace=${_MM_GRACE_SECONDS}" "--result=${result}")
    _mm_quote(quoted "${word}")
    string(APPEND words " ${quoted}")
  endforeach()
  foreach(word IN LISTS flags extra)
    _mm_command_word(quoted "${word}")
    string(APPEND words " ${quoted}")
  endforeach()
  string(STRIP "${words}" words)
  set(${out} "${words}" PARENT_SCOPE)
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
