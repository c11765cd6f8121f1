# cmake -P: unit tests of the CMake module's own grammar and helpers (cmake/internal/): sizes in
# MiB, result file names and quoting. The budgets measured when ctest starts are C++ now
# (mmtest::machine, mmtest::plan: tests/unit/machine_test.cpp, budget_test.cpp).   -DWORK=<scratch dir>
cmake_minimum_required(VERSION 3.25)
include("${CMAKE_CURRENT_LIST_DIR}/support.cmake")
include("${CMAKE_CURRENT_LIST_DIR}/../../cmake/internal/Units.cmake")
include("${CMAKE_CURRENT_LIST_DIR}/../../cmake/internal/Records.cmake")
include("${CMAKE_CURRENT_LIST_DIR}/../../cmake/internal/Quote.cmake")

# ---- Sizes: <text> <MiB rounded up> <MiB rounded down>; "-" marks an error -----------------------
set(cases
  "512M 512 512" "2G 2048 2048" "1.5GiB 1536 1536" "300MiB 300 300" "64kb 1 -" "2gb 2048 2048"
  "2Gi 2048 2048" "536870912 512 512" "1048577 2 1" "1.05g 1076 1075" "007M 7 7" "2048T 2147483648 2147483648"
  "0 - -" "0.0G - -" "-1 - -" "12Q - -" "1.5 - -" "2049T - -" "2147483649M - -" "99999999999999999999 - -"
  "1e3M - -" "M - -" ".5G - -" "1.G - -" "1_000M - -" "5MBB - -" "5iB - -")
foreach(case IN LISTS cases)
  string(REPLACE " " ";" fields "${case}")
  list(GET fields 0 text)
  list(GET fields 1 want_up)
  list(GET fields 2 want_down)
  _mm_size_to_mib("${text}" ROUND_UP up up_error)
  _mm_size_to_mib("${text}" ROUND_DOWN down down_error)
  foreach(kind up down)
    if(want_${kind} STREQUAL "-")
      if(NOT ${kind}_error OR NOT "${${kind}}" STREQUAL "")
        message(FATAL_ERROR "size '${text}' rounded ${kind}: expected an error, got '${${kind}}'")
      endif()
    elseif(NOT "${${kind}}" STREQUAL want_${kind} OR ${kind}_error)
      message(FATAL_ERROR "size '${text}' rounded ${kind}: expected ${want_${kind}}, got '${${kind}}' ${${kind}_error}")
    endif()
  endforeach()
endforeach()

# ---- Result file names: readable, distinct, safe -------------------------------------------------
_mm_result_file(plain /r "order_book.replay-1")
_mm_result_file(spaced /r "a b")
_mm_result_file(underscored /r "a_b")
_mm_result_file(dotted /r "..")
_mm_result_file(slashed /r "a/../../etc")
if(NOT plain STREQUAL "/r/order_book.replay-1.json" OR spaced STREQUAL underscored
   OR NOT underscored STREQUAL "/r/a_b.json" OR NOT dotted MATCHES "^/r/__-[0-9a-f]+\\.json$"
   OR NOT slashed MATCHES "^/r/a_\\.\\._\\.\\._etc-[0-9a-f]+\\.json$")
  message(FATAL_ERROR "result files: ${plain} ${spaced} ${underscored} ${dotted} ${slashed}")
endif()

# ---- Quoting for generated code survives any text ------------------------------------------------
foreach(text "plain" "a;b" "q\"r" "s$t\\u" "\${HOME}" "[==[x]==]" "\nleading newline" "" "é✓")
  _mm_quote(quoted "${text}")
  cmake_language(EVAL CODE "set(back ${quoted})")
  if(NOT back STREQUAL text)
    message(FATAL_ERROR "quoting '${text}' gave ${quoted}, read back as '${back}'")
  endif()
endforeach()
