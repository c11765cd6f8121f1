# Distributed with mmtest; not installed. Writes MMTestOptional.cmake from its template
# (cmake/MMTestOptional.cmake.in) with mmtest's built-in defaults (Defaults.cmake) filled in:
#
#   cmake -P cmake/internal/WriteOptional.cmake                  # the checked-in cmake/MMTestOptional.cmake
#   cmake -DOUTPUT=<file> -P cmake/internal/WriteOptional.cmake  # anywhere else
#
# MMTestOptional.cmake must work as one file copied into a project without mmtest, so it cannot
# include Defaults.cmake; the defaults are written into it instead. The written file is checked
# in and installed as it is: users copy it from mmtest's cmake/ as well as from an install, and
# one file in both places is simpler than a second copy generated at build time. The test
# cmake.optional.generated_from_the_defaults regenerates it and fails when the checked-in copy
# differs, so a changed default cannot ship with an old copy.

include_guard(GLOBAL)
cmake_policy(PUSH)
cmake_policy(VERSION 3.25...3.31)
include("${CMAKE_CURRENT_LIST_DIR}/Defaults.cmake")

# _mm_write_optional(<output>): MMTestOptional.cmake, with the defaults of Defaults.cmake, at
# <output>.
function(_mm_write_optional output)
  _mm_defaults()
  # The built-in labels grouped by timeout, each group where its first label stands:
  # mm_register_labels(performance chaos operational TIMEOUT 900), and for the documentation
  # ``performance``/``chaos``/``operational`` 900.
  set(pairs "${_MM_BUILTIN_LABEL_TIMEOUTS}")
  set(timeouts "")
  while(pairs)
    list(POP_FRONT pairs label seconds)
    if(NOT seconds IN_LIST timeouts)
      list(APPEND timeouts "${seconds}")
    endif()
    list(APPEND labels_of_${seconds} "${label}")
  endwhile()
  set(register "")
  set(documented "")
  foreach(seconds IN LISTS timeouts)
    list(JOIN labels_of_${seconds} " " words)
    list(APPEND register "mm_register_labels(${words} TIMEOUT ${seconds})")
    set(quoted "${labels_of_${seconds}}")
    list(TRANSFORM quoted PREPEND "``")
    list(TRANSFORM quoted APPEND "``")
    list(JOIN quoted "/" quoted)
    list(APPEND documented "${quoted} ${seconds}")
  endforeach()
  list(JOIN register "\n" MM_REGISTER_BUILTIN_LABELS)
  list(JOIN documented ", " MM_LABEL_TIMEOUTS_RST)
  set(MM_BUILTIN_TIMEOUT_SECONDS "${_MM_BUILTIN_TIMEOUT_SECONDS}")
  cmake_path(GET CMAKE_CURRENT_FUNCTION_LIST_DIR PARENT_PATH cmake_dir)
  configure_file("${cmake_dir}/MMTestOptional.cmake.in" "${output}" @ONLY NEWLINE_STYLE UNIX)
endfunction()

if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  if(NOT DEFINED OUTPUT)
    cmake_path(GET CMAKE_CURRENT_LIST_DIR PARENT_PATH OUTPUT)
    string(APPEND OUTPUT "/MMTestOptional.cmake")
  endif()
  _mm_write_optional("${OUTPUT}")
endif()

cmake_policy(POP)
