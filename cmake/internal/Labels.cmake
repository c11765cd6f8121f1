# Distributed with mmtest. Private part of MMTest.cmake: labels. The built-in ones and their
# timeouts (Defaults.cmake), mm_register_labels(), and the check that every label given is known.

include_guard(GLOBAL)

function(mm_register_labels)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "TIMEOUT" "")
  set(caller "mm_register_labels")
  if(arg_KEYWORDS_MISSING_VALUES)
    message(FATAL_ERROR "${caller}: ${arg_KEYWORDS_MISSING_VALUES} needs a value")
  endif()
  if(NOT arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "${caller}: expects at least one label")
  endif()
  if(DEFINED arg_TIMEOUT)
    _mm_check_seconds("${caller}" TIMEOUT "${arg_TIMEOUT}")
  endif()
  # A label's timeout, or whether it exists, may change: forget every resolved combination.
  get_property(memo_keys GLOBAL PROPERTY _MM_MEMO_KEYS)
  foreach(key IN LISTS memo_keys)
    set_property(GLOBAL PROPERTY "${key}" "")
  endforeach()
  set_property(GLOBAL PROPERTY _MM_MEMO_KEYS "")
  foreach(label IN LISTS arg_UNPARSED_ARGUMENTS)
    if(NOT label MATCHES "^[A-Za-z][A-Za-z0-9_.-]*$")
      message(FATAL_ERROR "${caller}: a label starts with a letter and contains letters, digits, "
        "'_', '.' and '-', got '${label}'")
    endif()
    get_property(known GLOBAL PROPERTY "_MM_LABEL_KNOWN_${label}")
    if(NOT known)
      set_property(GLOBAL PROPERTY "_MM_LABEL_KNOWN_${label}" TRUE)
      set_property(GLOBAL APPEND PROPERTY _MM_KNOWN_LABELS "${label}")
    endif()
    if(DEFINED arg_TIMEOUT)
      set_property(GLOBAL PROPERTY "_MM_LABEL_TIMEOUT_${label}" "${arg_TIMEOUT}")
    endif()
  endforeach()
endfunction()

# _mm_builtin_labels(<out>): the built-in labels, in the order Defaults.cmake lists them.
function(_mm_builtin_labels out)
  _mm_defaults()
  set(pairs "${_MM_BUILTIN_LABEL_TIMEOUTS}")
  set(labels "")
  while(pairs)
    list(POP_FRONT pairs label seconds)
    list(APPEND labels "${label}")
  endwhile()
  set(${out} "${labels}" PARENT_SCOPE)
endfunction()

# _mm_register_builtin_labels(): each built-in label with its timeout, once per configure.
function(_mm_register_builtin_labels)
  get_property(done GLOBAL PROPERTY _MM_BUILTIN_LABELS_REGISTERED)
  if(done)
    return()
  endif()
  set_property(GLOBAL PROPERTY _MM_BUILTIN_LABELS_REGISTERED TRUE)
  _mm_defaults()
  set(pairs "${_MM_BUILTIN_LABEL_TIMEOUTS}")
  while(pairs)
    list(POP_FRONT pairs label seconds)
    mm_register_labels("${label}" TIMEOUT "${seconds}")
  endwhile()
endfunction()

_mm_register_builtin_labels()

# _mm_check_labels(<caller> <labels>): every label known, else a configure error naming the
# keyword or the known label it most likely misspells, or listing the known ones.
function(_mm_check_labels caller labels)
  foreach(label IN LISTS labels)
    get_property(known GLOBAL PROPERTY "_MM_LABEL_KNOWN_${label}")
    if(known)
      continue()
    endif()
    _mm_keyword_like("${caller}" "${label}" keyword)
    if(keyword)
      message(FATAL_ERROR "${caller}: unknown label '${label}' looks like a misspelling of the "
        "keyword ${keyword} (after LABELS, every word up to the next keyword is a label); spell "
        "it ${keyword}, or register the label with mm_register_labels(${label})")
    endif()
    _mm_label_like("${label}" similar)
    if(similar)
      message(FATAL_ERROR "${caller}: unknown label '${label}'; did you mean '${similar}'? "
        "Or register it with mm_register_labels(${label})")
    endif()
    _mm_builtin_labels(builtin)
    list(JOIN builtin ", " builtin)
    message(FATAL_ERROR "${caller}: unknown label '${label}'; known labels are ${builtin} and "
      "those given to mm_register_labels(); register it with mm_register_labels(${label})")
  endforeach()
endfunction()
