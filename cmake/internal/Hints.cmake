# Distributed with mmtest. Private part of MMTest.cmake: hints for misspelled keywords, labels and
# property names. Only reached once something is wrong or looks wrong: an unknown label or
# argument, or an upper-case word among a command's arguments (each distinct word compared once
# per configure). None of this runs for a well-formed call without such a word.

include_guard(GLOBAL)

# _mm_hint_constants(): what the hints compare against. A macro, as _mm_defaults(): the commands
# are global, variables set when this file is included would not be.
macro(_mm_hint_constants)
  # CTest's own test properties, CMake 3.25 to 3.31: a PROPERTIES name among them is what it
  # says; an upper-case name that is none of them may be a misspelling (_mm_check_properties).
  set(_MM_CTEST_TEST_PROPERTIES ATTACHED_FILES ATTACHED_FILES_ON_FAIL COST DEPENDS DISABLED ENVIRONMENT
    ENVIRONMENT_MODIFICATION FAIL_REGULAR_EXPRESSION FIXTURES_CLEANUP FIXTURES_REQUIRED FIXTURES_SETUP
    GENERATED_RESOURCE_SPEC_FILE LABELS MEASUREMENT PASS_REGULAR_EXPRESSION PROCESSOR_AFFINITY PROCESSORS
    REQUIRED_FILES RESOURCE_GROUPS RESOURCE_LOCK RUN_SERIAL SKIP_REGULAR_EXPRESSION SKIP_RETURN_CODE TIMEOUT
    TIMEOUT_AFTER_MATCH TIMEOUT_SIGNAL_GRACE_PERIOD TIMEOUT_SIGNAL_NAME WILL_FAIL WORKING_DIRECTORY)
  # Each command's keywords, as its cmake_parse_arguments() lists them, for the hints about
  # misspelled ones (tests/cmake/check-keywords.cmake keeps the three copies equal).
  set(_MM_KEYWORDS_add_mm_test ALLOW_LEAKS WILL_FAIL PIN_CPUS NO_CALIBRATION FIXED_PROCESSORS NAME MEMORY TIMEOUT
    PROCESSORS GPUS WORKING_DIRECTORY COMMAND LABELS ENVIRONMENT PROPERTIES LAUNCHER_ARGS)
  set(_MM_KEYWORDS_mm_gtest_discover_tests ALLOW_LEAKS PIN_CPUS FIXED_PROCESSORS MEMORY TIMEOUT PROCESSORS TEST_PREFIX
    TEST_SUFFIX WORKING_DIRECTORY DISCOVERY_TIMEOUT LABELS EXTRA_ARGS ENVIRONMENT PROPERTIES
    LAUNCHER_ARGS CASE_TIMEOUTS)
  set(_MM_KEYWORDS_mm_gtest_add_shards ALLOW_LEAKS PIN_CPUS FIXED_PROCESSORS SHARDS MEMORY TIMEOUT PROCESSORS TEST_PREFIX
    WORKING_DIRECTORY LABELS EXTRA_ARGS ENVIRONMENT PROPERTIES LAUNCHER_ARGS)
endmacro()

# _mm_edit_distance(<a> <b> <out>): the optimal string alignment distance between two words of
# letters, digits, '_', '.' and '-': each inserted, deleted or replaced character and each swap
# of two neighbouring characters counts one, so MEMROY is one edit from MEMORY.
function(_mm_edit_distance a b out)
  string(LENGTH "${a}" a_length)
  string(LENGTH "${b}" b_length)
  if(a_length EQUAL 0 OR b_length EQUAL 0)
    math(EXPR distance "${a_length} + ${b_length}")
    set(${out} ${distance} PARENT_SCOPE)
    return()
  endif()
  set(b_chars "")
  math(EXPR b_last "${b_length} - 1")
  foreach(j RANGE 0 ${b_last})
    string(SUBSTRING "${b}" ${j} 1 char)
    list(APPEND b_chars "${char}")
  endforeach()
  # Rows of the table: <above> for a's first i-1 characters, <before> for its first i-2; column j
  # holds the distance to b's first j characters.
  set(before "")
  set(above "")
  foreach(j RANGE 0 ${b_length})
    list(APPEND above ${j})
  endforeach()
  set(a_previous "")
  foreach(i RANGE 1 ${a_length})
    math(EXPR a_index "${i} - 1")
    string(SUBSTRING "${a}" ${a_index} 1 a_char)
    set(row ${i})
    set(left ${i})
    set(b_previous "")
    foreach(j RANGE 1 ${b_length})
      math(EXPR diagonal_index "${j} - 1")
      list(GET b_chars ${diagonal_index} b_char)
      list(GET above ${diagonal_index} diagonal)
      list(GET above ${j} up)
      if(a_char STREQUAL b_char)
        set(best ${diagonal})
      else()
        math(EXPR best "${diagonal} + 1")
      endif()
      if(up LESS best)
        math(EXPR best "${up} + 1")
      endif()
      if(left LESS best)
        math(EXPR best "${left} + 1")
      endif()
      if(a_char STREQUAL b_previous AND a_previous STREQUAL b_char AND NOT a_char STREQUAL b_char)
        math(EXPR swap_index "${j} - 2")
        list(GET before ${swap_index} swap)
        if(swap LESS best)
          math(EXPR best "${swap} + 1")
        endif()
      endif()
      list(APPEND row ${best})
      set(left ${best})
      set(b_previous "${b_char}")
    endforeach()
    set(before "${above}")
    set(above "${row}")
    set(a_previous "${a_char}")
  endforeach()
  list(GET above ${b_length} distance)
  set(${out} ${distance} PARENT_SCOPE)
endfunction()

# _mm_nearest(<word> <candidates> <out>): the candidate <word> is most likely a misspelling of,
# or empty: the fewest edits (_mm_edit_distance), at most 1 from a candidate of up to 6
# characters and at most 2 from a longer one; the first listed wins a tie.
function(_mm_nearest word candidates out)
  string(LENGTH "${word}" word_length)
  set(nearest "")
  set(nearest_distance 3)
  foreach(candidate IN LISTS candidates)
    string(LENGTH "${candidate}" length)
    set(limit 1)
    if(length GREATER 6)
      set(limit 2)
    endif()
    math(EXPR gap "${length} - ${word_length}")
    if(gap GREATER limit OR gap LESS -${limit})
      continue()
    endif()
    _mm_edit_distance("${word}" "${candidate}" distance)
    if(distance LESS_EQUAL limit AND distance LESS nearest_distance)
      set(nearest "${candidate}")
      set(nearest_distance ${distance})
    endif()
  endforeach()
  set(${out} "${nearest}" PARENT_SCOPE)
endfunction()

# _mm_keyword_like(<caller> <word> <out>): the keyword of <caller>'s command (add_mm_test or
# mm_gtest_discover_tests) that <word> looks like a misspelling of, or empty. Only words in upper
# case like a keyword qualify: `memroy` or `--memroy` is somebody's argument, `MEMROY` a slip.
function(_mm_keyword_like caller word out)
  set(keyword "")
  if(word MATCHES "^[A-Z][A-Z_]+$" AND caller MATCHES "^([a-z_]+)")
    _mm_nearest("${word}" "${_MM_KEYWORDS_${CMAKE_MATCH_1}}" keyword)
  endif()
  set(${out} "${keyword}" PARENT_SCOPE)
endfunction()

# _mm_label_like(<label> <out>): the known label <label> most likely meant, or empty. Case is
# ignored; a known label within the edits of _mm_nearest (`Unit`, `integraton`), else one that
# begins <label> or that <label> begins, four characters at least (`unittest`, `perf`).
function(_mm_label_like label out)
  set(similar "")
  if(label MATCHES "^[A-Za-z0-9_.-]+$")
    string(TOLOWER "${label}" lower)
    get_property(known_labels GLOBAL PROPERTY _MM_KNOWN_LABELS)
    string(TOLOWER "${known_labels}" lower_known)
    _mm_nearest("${lower}" "${lower_known}" similar)
    if(similar)
      list(FIND lower_known "${similar}" index)
      list(GET known_labels ${index} similar)
    else()
      string(LENGTH "${lower}" length)
      foreach(known IN LISTS known_labels)
        string(TOLOWER "${known}" lower_candidate)
        string(LENGTH "${lower_candidate}" candidate_length)
        if(length LESS candidate_length)
          string(SUBSTRING "${lower_candidate}" 0 ${length} begins)
          set(begins_with "${lower}")
        else()
          string(SUBSTRING "${lower}" 0 ${candidate_length} begins)
          set(begins_with "${lower_candidate}")
        endif()
        string(LENGTH "${begins_with}" common)
        if(common GREATER_EQUAL 4 AND begins STREQUAL begins_with)
          set(similar "${known}")
          break()
        endif()
      endforeach()
    endif()
  endif()
  set(${out} "${similar}" PARENT_SCOPE)
endfunction()

# _mm_hint_unknown_arguments(<caller> <arguments> <out>): "; 'X' looks like a misspelling of the
# keyword Y" for the first of the unparsed <arguments> that does, else empty.
function(_mm_hint_unknown_arguments caller arguments out)
  set(hint "")
  foreach(argument IN LISTS arguments)
    _mm_keyword_like("${caller}" "${argument}" keyword)
    if(keyword)
      set(hint "; '${argument}' looks like a misspelling of the keyword ${keyword}")
      break()
    endif()
  endforeach()
  set(${out} "${hint}" PARENT_SCOPE)
endfunction()

# _mm_warn_keyword_like_arguments(<command> <caller> <keyword> <words>): an AUTHOR_WARNING for
# each argument after the first of <words> (COMMAND's, or EXTRA_ARGS' from the first) that looks
# like a misspelled keyword of <command>: `COMMAND prog MEMROY 1G` passes MEMROY and 1G to prog,
# as add_test would, and the test gets the default MEMORY. What each word resolves to is
# remembered for the build: a suite repeating an upper-case argument compares it once, and the
# fast path's calls stay cheap.
function(_mm_warn_keyword_like_arguments command caller keyword words)
  if(MMTEST_NO_KEYWORD_WARNINGS)
    return()
  endif()
  set(first FALSE)
  if(keyword STREQUAL "COMMAND")
    set(first TRUE)
  endif()
  foreach(word IN LISTS words)
    if(first)
      set(first FALSE)
      continue()
    elseif(NOT word MATCHES "^[A-Z][A-Z_]+$")
      continue()
    endif()
    get_property(like GLOBAL PROPERTY "_MM_KEYWORD_LIKE_${command}_${word}")
    if("${like}" STREQUAL "")
      _mm_hint_constants()
      _mm_keyword_like("${command}" "${word}" like)
      if("${like}" STREQUAL "")
        set(like "-")
        set_property(GLOBAL APPEND PROPERTY "_MM_FAR_FROM_KEYWORDS_${command}" "${word}")
      endif()
      set_property(GLOBAL PROPERTY "_MM_KEYWORD_LIKE_${command}_${word}" "${like}")
    endif()
    if(NOT like STREQUAL "-")
      message(AUTHOR_WARNING "${caller}: ${keyword} argument '${word}' looks like a misspelling of "
        "the keyword ${like}; it is passed on as it is. If that is meant, write it as $<1:${word}> "
        "or set MMTEST_NO_KEYWORD_WARNINGS to ON")
    endif()
  endforeach()
endfunction()
