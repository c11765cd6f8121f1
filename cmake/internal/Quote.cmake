# Distributed with mmtest. Private part of MMTest.cmake: values written into generated CMake code
# (the hook, the manifest, the GoogleTest scripts), quoted so that any characters survive.

include_guard(GLOBAL)

# _mm_quote(<out> <value>)
#
# <value> as one quoted CMake argument, for generated code: any characters survive, including
# ";", quotes, "$", brackets, a leading newline and the empty string.
function(_mm_quote out value)
  string(REPLACE "\\" "\\\\" value "${value}")
  string(REPLACE "\"" "\\\"" value "${value}")
  string(REPLACE "$" "\\$" value "${value}")
  set(${out} "\"${value}\"" PARENT_SCOPE)
endfunction()

# _mm_quote_per_config(<out> <base>): "<base>-${CTEST_CONFIGURATION_TYPE}.cmake" quoted for
# generated ctest-time code, for files written per configuration by file(GENERATE) with a
# multi-config generator: the reference to the configuration ctest runs stays unexpanded.
function(_mm_quote_per_config out base)
  _mm_quote(quoted "${base}-")
  string(REGEX REPLACE "\"$" "\${CTEST_CONFIGURATION_TYPE}.cmake\"" quoted "${quoted}")
  set(${out} "${quoted}" PARENT_SCOPE)
endfunction()

# _mm_bracket(<out> <value>): <value> as a CMake bracket argument, for files that go through
# file(GENERATE): generator expressions inside still evaluate, and nothing else is interpreted.
function(_mm_bracket out value)
  set(equals "=")
  while(value MATCHES "]${equals}]")
    string(APPEND equals "=")
  endwhile()
  set(${out} "[${equals}[${value}]${equals}]" PARENT_SCOPE)
endfunction()
