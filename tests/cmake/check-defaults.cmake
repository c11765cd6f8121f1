# cmake -P driver: the built-in defaults live once, in cmake/internal/Defaults.cmake; the reference
# documentation quotes them (the head of cmake/MMTest.cmake, which users read, and
# docs/cmake-reference.md). Every quote must be the value the commands use.
#   -DMMTEST_CMAKE_DIR=<mmtest's cmake/ directory> -DDOC=<docs/cmake-reference.md>
cmake_minimum_required(VERSION 3.25)
include("${MMTEST_CMAKE_DIR}/internal/Defaults.cmake")
_mm_defaults()
file(READ "${MMTEST_CMAKE_DIR}/MMTest.cmake" module)
file(READ "${DOC}" doc)
set(failures "")

# expect(<text> <file> <regex> <what>): <regex> must match <text>.
function(expect text file regex what)
  if(NOT text MATCHES "${regex}")
    set(failures "${failures}\n  ${file} does not quote ${what} (no match for ${regex})" PARENT_SCOPE)
  endif()
endfunction()

set(pairs "${_MM_BUILTIN_LABEL_TIMEOUTS}")
set(labels "")
while(pairs)
  list(POP_FRONT pairs label seconds)
  list(APPEND labels "${label}")
  expect("${module}" MMTest.cmake "\n``${label}`` +${seconds} s" "label ${label}'s ${seconds} s")
  expect("${doc}" "${DOC}" "\n\\| `${label}` \\| ${seconds} s \\|" "label ${label}'s ${seconds} s")
endwhile()
list(JOIN labels " " labels)
string(REGEX REPLACE "[ \n]+" " " folded "${module}")  # the text wraps
expect("${folded}" MMTest.cmake "built-in ``${labels}``" "the built-in labels in order")
set(timeout "${_MM_BUILTIN_TIMEOUT_SECONDS}")
expect("${module}" MMTest.cmake "\n\\(none\\) +${timeout} s" "the default timeout in the Labels table")
expect("${module}" MMTest.cmake "Built-in ${timeout}\\." "the default timeout of MMTEST_DEFAULT_TIMEOUT")
expect("${module}" MMTest.cmake "else ${timeout} s\\." "the default timeout of TIMEOUT")
expect("${doc}" "${DOC}" "\n\\| \\(no label\\) \\| ${timeout} s " "the default timeout")
set(memory "${_MM_BUILTIN_MEMORY}")
expect("${module}" MMTest.cmake "else ``${memory}``\\." "the default memory of MEMORY")
expect("${module}" MMTest.cmake "Built-in default ``${memory}``" "the default memory of MMTEST_DEFAULT_MEMORY")
expect("${doc}" "${DOC}" "`${memory}` \\(built in\\)" "the default memory")
expect("${module}" MMTest.cmake
  "``ceil\\(<seconds>\\) \\+ ${_MM_GRACE_SECONDS} s grace \\+ ${_MM_CTEST_MARGIN_SECONDS} s``"
  "CTest's TIMEOUT: the grace and the margin")
expect("${doc}" "${DOC}" "`ceil\\(2.5\\) \\+ ${_MM_GRACE_SECONDS} \\+ ${_MM_CTEST_MARGIN_SECONDS}`"
  "CTest's TIMEOUT: the grace and the margin")
expect("${module}" MMTest.cmake "``DISCOVERY_TIMEOUT`` seconds, default ${_MM_DISCOVERY_TIMEOUT_SECONDS}\\)"
  "the default DISCOVERY_TIMEOUT")
if(failures)
  message(FATAL_ERROR "the documentation and cmake/internal/Defaults.cmake disagree:${failures}")
endif()
