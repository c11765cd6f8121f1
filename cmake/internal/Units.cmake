# Distributed with mmtest. The size and seconds grammar (documented in MMTestRuntime.cmake), for
# what must be checked at configure time: every MEMORY, TIMEOUT and budget cache variable, so that
# a typo fails the configure naming the test. MMTest.cmake includes it. mmtest-run and the mmtest
# tool (which reads the budgets when ctest starts) read the same grammar in C++
# (harness/common/src/units.cpp); tests/conformance/units.txt is the one table of cases both are
# tested against, so that neither accepts what the other refuses.

include_guard(GLOBAL)

# _mm_size_to_mib(<size> <ROUND_UP|ROUND_DOWN> <out_mib> <out_error>)
#
# Parses <size> in the size grammar and stores it in MiB in <out_mib>, rounded up (a test's need)
# or down (a budget). On a malformed, zero or too-big size, <out_mib> is empty and <out_error>
# says why in words that complete "expects a size like 512M or 2G, got '<size>'" style messages.
# 64-bit integer arithmetic only: the integer part is bounded before any multiplication.
function(_mm_size_to_mib size rounding out_mib out_error)
  # CTest keeps resource slots in an int; 2^31 MiB (2 PiB) is far beyond any machine.
  set(_MM_MAX_MIB 2147483648)
  set(${out_mib} "" PARENT_SCOPE)
  string(TOUPPER "${size}" upper)
  # A fraction needs a unit (K, M, G, T): bytes are whole. Same rule as mmtest-run.
  set(matched FALSE)
  if(upper MATCHES "^([0-9]+)(\\.([0-9]+))?(([KMGT])I?)?B?$")
    set(matched TRUE)
    if(NOT "${CMAKE_MATCH_2}" STREQUAL "" AND "${CMAKE_MATCH_5}" STREQUAL "")
      set(matched FALSE)
    endif()
  endif()
  if(NOT matched)
    set(${out_error} "expects a size like 512M or 2G, got '${size}'" PARENT_SCOPE)
    return()
  endif()
  set(int_digits "${CMAKE_MATCH_1}")
  set(frac_digits "${CMAKE_MATCH_3}")
  set(unit "${CMAKE_MATCH_5}")

  # Leading zeros would not change the value, but keep math(EXPR) away from any radix guessing.
  string(REGEX REPLACE "^0+" "" int_digits "${int_digits}")
  if(int_digits STREQUAL "")
    set(int_digits 0)
  endif()
  # Nine fraction digits are more precision than a byte count of any real budget needs.
  string(SUBSTRING "${frac_digits}" 0 9 frac_digits)
  string(LENGTH "${frac_digits}" frac_len)
  string(REPEAT "0" ${frac_len} frac_zeros)
  set(frac_scale "1${frac_zeros}")
  string(REGEX REPLACE "^0+" "" frac_value "${frac_digits}")
  if(frac_value STREQUAL "")
    set(frac_value 0)
  endif()

  if(int_digits STREQUAL "0" AND frac_value STREQUAL "0")
    set(${out_error} "expects a size above zero, like 512M or 2G, got '${size}'" PARENT_SCOPE)
    return()
  endif()

  set(too_big_error "expects at most 2^31 MiB (2048T), got '${size}'")
  string(LENGTH "${int_digits}" int_len)
  if(int_len GREATER 16)
    set(${out_error} "${too_big_error}" PARENT_SCOPE)
    return()
  endif()

  set(shift_B 0)
  set(shift_K 10)
  set(shift_M 20)
  set(shift_G 30)
  set(shift_T 40)
  if(unit STREQUAL "")
    set(unit B)
  endif()
  set(shift ${shift_${unit}})

  if(shift GREATER_EQUAL 20)
    # Whole MiB per unit: mib = int * per_unit + frac * per_unit / frac_scale.
    math(EXPR per_unit "1 << (${shift} - 20)")
    if(int_digits GREATER ${_MM_MAX_MIB})
      set(${out_error} "${too_big_error}" PARENT_SCOPE)
      return()
    endif()
    math(EXPR frac_num "${frac_value} * ${per_unit}")
    math(EXPR mib "${int_digits} * ${per_unit} + ${frac_num} / ${frac_scale}")
    math(EXPR remainder "${frac_num} % ${frac_scale}")
  else()
    # Bytes or KiB: bytes = int * per_unit + frac * per_unit / frac_scale, then to MiB.
    math(EXPR per_unit "1 << ${shift}")
    math(EXPR max_int "(${_MM_MAX_MIB} << 20) >> ${shift}")
    if(int_digits GREATER max_int)
      set(${out_error} "${too_big_error}" PARENT_SCOPE)
      return()
    endif()
    math(EXPR frac_num "${frac_value} * ${per_unit}")
    math(EXPR bytes "${int_digits} * ${per_unit} + ${frac_num} / ${frac_scale}")
    math(EXPR remainder "(${frac_num} % ${frac_scale}) + (${bytes} % 1048576)")
    math(EXPR mib "${bytes} >> 20")
  endif()

  if(rounding STREQUAL "ROUND_UP" AND remainder GREATER 0)
    math(EXPR mib "${mib} + 1")
  endif()
  if(mib GREATER ${_MM_MAX_MIB})
    set(${out_error} "${too_big_error}" PARENT_SCOPE)
    return()
  endif()
  if(mib EQUAL 0)
    set(${out_error} "expects at least 1 MiB, got '${size}'" PARENT_SCOPE)
    return()
  endif()
  set(${out_mib} "${mib}" PARENT_SCOPE)
  set(${out_error} "" PARENT_SCOPE)
endfunction()

# _mm_cpu_count_error(<value> <out_error>)
#
# Checks <value> as a count of CPUs for MMTEST_CPU_BUDGET: digits only (leading zeros allowed, as
# mmtest plan reads it), 1 to 999999. <out_error> is empty when it is one, else words that
# complete "MMTEST_CPU_BUDGET <error>". tests/conformance/units.txt ("cpus" rows) holds the cases
# this and mmtest::plan's parse_cpu_count both answer.
function(_mm_cpu_count_error value out_error)
  string(LENGTH "${value}" length)
  if(NOT value MATCHES "^0*[1-9][0-9]*$" OR length GREATER 6)
    set(${out_error} "expects a count of CPUs like 4 (1 to 999999), got '${value}'" PARENT_SCOPE)
  else()
    set(${out_error} "" PARENT_SCOPE)
  endif()
endfunction()

# _mm_cpu_overcommit_error(<value> <out_error>)
#
# Checks <value> as MMTEST_CPU_OVERCOMMIT: per cent of a CPU that tests holding fractions of a CPU
# may add on each CPU, 0, 10, 20 or 30, a '%' after it allowed. <out_error> is empty when it is
# one, else words that complete "MMTEST_CPU_OVERCOMMIT <error>". tests/conformance/units.txt
# ("overcommit" rows) holds the cases this and mmtest::plan's parse_cpu_overcommit both answer.
function(_mm_cpu_overcommit_error value out_error)
  if(value MATCHES "^(0|10|20|30)%?$")
    set(${out_error} "" PARENT_SCOPE)
  else()
    set(${out_error} "is '${value}': expected 0, 10, 20 or 30 (per cent of a CPU that tests holding fractions of a CPU may add on each CPU; 0 holds them strictly)" PARENT_SCOPE)
  endif()
endfunction()

# _mm_cpu_tenths(<value> <out_tenths> <out_error>)
#
# Reads <value> as a CPU demand (PROCESSORS): a whole number of CPUs or one with one decimal
# ("2", "0.5", "1.5"), at most 6 digits before the point, above zero. <out_tenths> is it in tenths
# of a CPU, the slots CTest hands out; <out_error> is empty, or words that complete
# "PROCESSORS <error>". tests/conformance/units.txt ("processors" rows) holds the cases this and
# mmtest::plan's parse_cpu_tenths both answer.
function(_mm_cpu_tenths value out_tenths out_error)
  set(${out_tenths} 0 PARENT_SCOPE)
  if(NOT value MATCHES "^([0-9]+)(\\.([0-9]))?$")
    set(${out_error} "expects a number of CPUs like 2, or 0.5 for half of one (one decimal at most), got '${value}'" PARENT_SCOPE)
    return()
  endif()
  set(fraction "${CMAKE_MATCH_3}")
  string(LENGTH "${CMAKE_MATCH_1}" whole_length)
  if(whole_length GREATER 6)
    set(${out_error} "expects at most 999999 CPUs, got '${value}'" PARENT_SCOPE)
    return()
  endif()
  string(REGEX REPLACE "^0+([0-9])" "\\1" whole "${CMAKE_MATCH_1}")
  if(fraction STREQUAL "")
    set(fraction 0)
  endif()
  math(EXPR tenths "${whole} * 10 + ${fraction}")
  if(tenths EQUAL 0)
    set(${out_error} "expects a number of CPUs above zero, got '${value}'" PARENT_SCOPE)
    return()
  endif()
  set(${out_tenths} "${tenths}" PARENT_SCOPE)
  set(${out_error} "" PARENT_SCOPE)
endfunction()

# _mm_seconds_error(<value> <out_error>)
#
# Checks <value> in the seconds grammar: a decimal number of seconds, fraction allowed ("60",
# "2.5"), at most 999999999 whole seconds, and above zero (every use is a timeout). <out_error> is
# empty when it is one, else words that complete "<KEYWORD> <error>".
function(_mm_seconds_error value out_error)
  if(NOT value MATCHES "^([0-9]+)(\\.[0-9]+)?$")
    set(${out_error} "expects seconds like 60 or 2.5, got '${value}'" PARENT_SCOPE)
    return()
  endif()
  # Leading zeros count for nothing: 0000000060 is 60 seconds, as mmtest-run reads it.
  string(REGEX REPLACE "^0+" "" whole "${CMAKE_MATCH_1}")
  string(LENGTH "${whole}" whole_len)
  if(whole_len GREATER 9)
    set(${out_error} "expects at most 999999999 seconds, got '${value}'" PARENT_SCOPE)
    return()
  endif()
  if(NOT value MATCHES "[1-9]")
    set(${out_error} "expects seconds above zero, got '${value}'" PARENT_SCOPE)
    return()
  endif()
  set(${out_error} "" PARENT_SCOPE)
endfunction()
