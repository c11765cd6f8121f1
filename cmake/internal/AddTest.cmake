# Distributed with mmtest. Private part of MMTest.cmake: add_mm_test(), its general path, which
# checks every argument, and its fast path for calls like one the general path already checked.

include_guard(GLOBAL)

function(add_mm_test)
  cmake_parse_arguments(PARSE_ARGV 0 arg
    "ALLOW_LEAKS;WILL_FAIL;PIN_CPUS;NO_CALIBRATION;FIXED_PROCESSORS"
    "NAME;MEMORY;TIMEOUT;PROCESSORS;GPUS;WORKING_DIRECTORY"
    "COMMAND;LABELS;ENVIRONMENT;PROPERTIES;LAUNCHER_ARGS")

  # The calibration file (`mmtest calibrate --write`) gives the tests it lists their measured
  # MEMORY and TIMEOUT in place of the declared ones, unless the call says NO_CALIBRATION, and
  # its PROCESSORS unless the call gives PROCESSORS or pins the test to CPUs of its own (PIN_CPUS,
  # the label performance: whole CPUs, held as declared). It is read once; each call then costs
  # one lookup, and both paths below see the values as if given (a PROCESSORS takes the general
  # path).
  if(NOT "${MMTEST_CALIBRATION_FILE}" STREQUAL "" AND NOT arg_NO_CALIBRATION)
    get_property(calibration_read GLOBAL PROPERTY _MM_CALIBRATION_READ)
    if(NOT "${calibration_read}" STREQUAL "${MMTEST_CALIBRATION_FILE}")
      _mm_read_calibration()
    endif()
    get_property(calibrated GLOBAL PROPERTY "_MM_CALIBRATED_${arg_NAME}")
    if(calibrated MATCHES "^([^|]*)\\|([^|]*)\\|(.*)$")
      if(NOT "${CMAKE_MATCH_1}" STREQUAL "")
        set(arg_MEMORY "${CMAKE_MATCH_1}")
      endif()
      if(NOT "${CMAKE_MATCH_2}" STREQUAL "")
        set(arg_TIMEOUT "${CMAKE_MATCH_2}")
      endif()
      if(NOT "${CMAKE_MATCH_3}" STREQUAL "" AND NOT DEFINED arg_PROCESSORS AND NOT arg_PIN_CPUS
          AND NOT "performance" IN_LIST arg_LABELS)
        set(arg_PROCESSORS "${CMAKE_MATCH_3}")
      endif()
    endif()
  endif()

  # Fast path. Suites declare thousands of tests with a few MEMORY/TIMEOUT/LABELS combinations;
  # the general path below checks a combination once and leaves what it resolved to, ready to
  # use, under a key of everything that result depends on. A call with such a combination, a
  # name of plain characters (its own record file name), a COMMAND of plain words and none of
  # the rarer keywords is then declared here in a dozen commands, with the same result as the
  # general path. Anything else, including every mistake, takes the general path, which names it.
  set(ready_key "_MM_READY_${arg_MEMORY}|${arg_TIMEOUT}|${arg_LABELS}|${MMTEST_DEFAULT_MEMORY}|${MMTEST_DEFAULT_TIMEOUT}|${MMTEST_RUN}|${MMTEST_RESULTS_DIR}")
  get_property(ready GLOBAL PROPERTY "${ready_key}")
  # Nested so that most calls pay for the cheapest checks only.
  if(ready AND "${arg_UNPARSED_ARGUMENTS}${arg_KEYWORDS_MISSING_VALUES}${arg_ALLOW_LEAKS}${arg_WILL_FAIL}${arg_PIN_CPUS}${arg_FIXED_PROCESSORS}${arg_WORKING_DIRECTORY}${arg_ENVIRONMENT}${arg_PROPERTIES}${arg_LAUNCHER_ARGS}"
      STREQUAL "FALSEFALSEFALSEFALSE" AND NOT DEFINED arg_PROCESSORS AND NOT DEFINED arg_GPUS)
    string(LENGTH "${arg_NAME}" name_length)
    get_property(first_dir GLOBAL PROPERTY "_MM_TEST_DEFINED_IN_${arg_NAME}")
    # The last MATCHES is evaluated last and leaves the entry's parts in CMAKE_MATCH_<n>: the
    # manifest's numbers, the launcher, the records directory, the launcher's options before and
    # after --result, set_tests_properties' pairs. A COMMAND with an upper-case word is tried
    # second, with the same conditions (if() evaluates all of them), so that the commonest calls
    # pay for nothing more. Such a word may be a misspelled keyword that COMMAND took in: the
    # general path's check, skipped for the words already found far from every keyword (a
    # function call costs as much as this whole path). An add_test keyword among the words takes
    # the general path.
    if(name_length LESS_EQUAL 100 AND "${first_dir}" STREQUAL "" AND NOT TEST "${arg_NAME}"
        AND arg_NAME MATCHES "^[A-Za-z0-9_-][A-Za-z0-9_.-]*$"
        AND NOT ";${arg_COMMAND};" MATCHES ";;|\\\\;|;[A-Z][A-Z_]+;"
        AND ready MATCHES "^([0-9]+ 0 [0-9]+ 1[ A-Z]*)\\|([^|]*)\\|([^|]*)\\|([^|]*)\\|([^|]*)\\|(.*)$")
    elseif(name_length LESS_EQUAL 100 AND "${first_dir}" STREQUAL "" AND NOT TEST "${arg_NAME}"
        AND arg_NAME MATCHES "^[A-Za-z0-9_-][A-Za-z0-9_.-]*$"
        AND NOT ";${arg_COMMAND};" MATCHES ";;|\\\\;|;(CONFIGURATIONS|WORKING_DIRECTORY|COMMAND_EXPAND_LISTS);"
        AND ready MATCHES "^([0-9]+ 0 [0-9]+ 1[ A-Z]*)\\|([^|]*)\\|([^|]*)\\|([^|]*)\\|([^|]*)\\|(.*)$")
      # (Neither list(FILTER) nor a function call changes this scope's CMAKE_MATCH_<n>.)
      set(words "${arg_COMMAND}")
      list(FILTER words INCLUDE REGEX "^[A-Z][A-Z_]+$")
      get_property(far_words GLOBAL PROPERTY _MM_FAR_FROM_KEYWORDS_add_mm_test)
      list(REMOVE_ITEM words "" ${far_words})
      if(NOT "${words}" STREQUAL "")
        _mm_warn_keyword_like_arguments(add_mm_test "add_mm_test(${arg_NAME})" COMMAND "${arg_COMMAND}")
      endif()
    else()
      set(ready "")
    endif()
  else()
    set(ready "")
  endif()
  if(ready)
    list(GET arg_COMMAND 0 program)
    if(TARGET "${program}")
      get_target_property(type "${program}" TYPE)
      if(type STREQUAL "EXECUTABLE")
        # A target with a test launcher or an emulator takes the general path, which runs them.
        _mm_test_wrappers(wrappers "${program}")
        if("${wrappers}" STREQUAL "")
          list(POP_FRONT arg_COMMAND)
          list(PREPEND arg_COMMAND "$<TARGET_FILE:${program}>")
        else()
          set(ready "")
        endif()
      endif()
    endif()
  endif()
  if(ready)
    add_test(NAME "${arg_NAME}" COMMAND "${CMAKE_MATCH_2}" "--name=${arg_NAME}" ${CMAKE_MATCH_4}
      "--result=${CMAKE_MATCH_3}/${arg_NAME}.json" ${CMAKE_MATCH_5} -- ${arg_COMMAND})
    set_tests_properties("${arg_NAME}" PROPERTIES ${CMAKE_MATCH_6})
    set_property(GLOBAL PROPERTY "_MM_TEST_DEFINED_IN_${arg_NAME}" "${CMAKE_CURRENT_SOURCE_DIR}")
    set_property(GLOBAL APPEND_STRING PROPERTY _MM_MANIFEST "_mm_need(\"test '${arg_NAME}'\" ${CMAKE_MATCH_1})\n")
    return()
  endif()

  _mm_constants()
  if(DEFINED arg_NAME)
    set(caller "add_mm_test(${arg_NAME})")
  else()
    set(caller "add_mm_test")
  endif()
  if(arg_UNPARSED_ARGUMENTS OR arg_KEYWORDS_MISSING_VALUES)
    _mm_check_properties_start("${caller}" ${ARGC})
  endif()
  if(arg_UNPARSED_ARGUMENTS)
    list(JOIN arg_UNPARSED_ARGUMENTS "', '" unparsed)
    _mm_hint_unknown_arguments("${caller}" "${arg_UNPARSED_ARGUMENTS}" hint)
    message(FATAL_ERROR "${caller}: unknown argument '${unparsed}'; arguments come after a keyword "
      "such as NAME, COMMAND, MEMORY, TIMEOUT or LABELS${hint}")
  endif()
  if(arg_KEYWORDS_MISSING_VALUES)
    list(JOIN arg_KEYWORDS_MISSING_VALUES ", " missing)
    message(FATAL_ERROR "${caller}: ${missing} needs a value")
  endif()
  if(NOT DEFINED arg_NAME)
    message(FATAL_ERROR "add_mm_test: NAME is required")
  endif()
  set(name "${arg_NAME}")
  if(name MATCHES "\n")
    message(FATAL_ERROR "${caller}: NAME may not contain a newline")
  endif()
  if(NOT DEFINED arg_COMMAND)
    message(FATAL_ERROR "${caller}: COMMAND is required")
  endif()
  if("${arg_COMMAND}" STREQUAL "" OR "${arg_COMMAND}" MATCHES "^;")
    message(FATAL_ERROR "${caller}: COMMAND expects a program first, got an empty string")
  endif()
  list(GET arg_COMMAND 0 program)
  get_property(first_dir GLOBAL PROPERTY "_MM_TEST_DEFINED_IN_${name}")
  if(NOT "${first_dir}" STREQUAL "" OR TEST "${name}")
    if("${first_dir}" STREQUAL "")
      set(first_dir "${CMAKE_CURRENT_SOURCE_DIR} (with add_test)")
    endif()
    message(FATAL_ERROR "${caller}: a test named '${name}' already exists, added in ${first_dir}")
  endif()

  set(labels "${arg_LABELS}")
  list(REMOVE_DUPLICATES labels)
  _mm_resolve_limits("${caller}" "${arg_MEMORY}" "${arg_TIMEOUT}" "${labels}")

  _mm_check_processors("${caller}" cpus)
  set(gpus 0)
  if(DEFINED arg_GPUS)
    if(NOT arg_GPUS MATCHES "^[0-9]+$")
      message(FATAL_ERROR "${caller}: GPUS expects a count like 1, got '${arg_GPUS}'")
    endif()
    math(EXPR gpus "${arg_GPUS}")
  endif()
  _mm_check_pass_through("${caller}")
  if(";${arg_COMMAND};" MATCHES ";[A-Z][A-Z_]+;")
    _mm_warn_keyword_like_arguments(add_mm_test "${caller}" COMMAND "${arg_COMMAND}")
  endif()
  _mm_launcher("${caller}" launcher)
  _mm_results_dir(results_dir)
  _mm_result_file(result_file "${results_dir}" "${name}")

  # The command: an executable target as the first word means its file, as add_test does.
  # (No list(...) edits of the command: they would drop the escaping of a ';' inside a word.)
  # Its TEST_LAUNCHER and CROSSCOMPILING_EMULATOR go after the launcher's "--", so that they run
  # inside mmtest-run, under the budget (add_test, given the target's file, adds neither).
  set(program_word "${program}")
  set(wrappers "")
  if(TARGET "${program}")
    get_target_property(type "${program}" TYPE)
    if(type STREQUAL "EXECUTABLE")
      set(program_word "$<TARGET_FILE:${program}>")
      _mm_test_wrappers(wrappers "${program}")
    endif()
  endif()

  # Most commands are plain words: add_test directly. A word that is empty, holds an escaped ';'
  # or is one of add_test's keywords needs generated code to reach the program intact.
  string(REPLACE "$<" "$<1:$><" name_for_launcher "${name}")
  _mm_launcher_flags(launcher_flags "${arg_ALLOW_LEAKS}" "${arg_PIN_CPUS}" "${labels}" "${arg_MEMORY}")
  # A skip CTest is told by exit code (SKIP_RETURN_CODE) is a skip in the record too: mmtest-run
  # learns the code (--skip-code), so the two never disagree.
  set(pairs "${arg_PROPERTIES}")
  while(pairs)
    list(POP_FRONT pairs property value)
    if(property STREQUAL "SKIP_RETURN_CODE")
      # Matched first: if() evaluates parentheses before MATCHES sets CMAKE_MATCH_1.
      set(code "")
      if(value MATCHES "^0*([1-9][0-9]?[0-9]?)$")
        set(code "${CMAKE_MATCH_1}")
      endif()
      if(code STREQUAL "" OR code GREATER 255 OR (code GREATER_EQUAL 121 AND code LESS_EQUAL 127))
        message(FATAL_ERROR "${caller}: PROPERTIES SKIP_RETURN_CODE expects an exit code from 1 to 255 other "
          "than mmtest-run's own 121 to 127 (memory, timeout, leaks...), got '${value}'")
      endif()
      list(APPEND launcher_flags "--skip-code=${code}")
    endif()
  endwhile()
  set(words ";${arg_COMMAND};")
  if(DEFINED arg_LAUNCHER_ARGS)
    string(APPEND words "${arg_LAUNCHER_ARGS};")
  endif()
  if(NOT "${wrappers}" STREQUAL "")
    string(APPEND words "${wrappers};")
  endif()
  if(words MATCHES ";;|\\\\;|;(CONFIGURATIONS|WORKING_DIRECTORY|COMMAND_EXPAND_LISTS);")
    _mm_launcher_call(call CONFIGURE launcher name_for_launcher _mm_memory _mm_timeout
      _MM_GRACE_SECONDS result_file launcher_flags arg_LAUNCHER_ARGS)
    _mm_quote(quoted_name "${name}")
    _mm_quote(quoted_program "${program_word}")
    set(code "add_test(NAME ${quoted_name} COMMAND ${call} --")
    if(NOT "${wrappers}" STREQUAL "")
      foreach(word IN LISTS wrappers)
        _mm_command_word(word "${word}")
        string(APPEND code " ${word}")
      endforeach()
    endif()
    string(APPEND code " ${quoted_program}")
    set(first TRUE)
    foreach(word IN LISTS arg_COMMAND)
      if(first)
        set(first FALSE)
        continue()
      endif()
      _mm_command_word(word "${word}")
      string(APPEND code " ${word}")
    endforeach()
    string(APPEND code ")")
    cmake_language(EVAL CODE "${code}")
  else()
    set(args "${arg_COMMAND}")
    list(POP_FRONT args)
    add_test(NAME "${name}" COMMAND "${launcher}" "--name=${name_for_launcher}" "--memory=${_mm_memory}"
      "--timeout=${_mm_timeout}" "--grace=${_MM_GRACE_SECONDS}" "--result=${result_file}"
      ${launcher_flags} ${arg_LAUNCHER_ARGS} -- ${wrappers} "${program_word}" ${args})
  endif()

  # Scalars in one call; values that may hold ';' (lists) one by one below. COST stays 0 (unset)
  # so that CTest takes each test's cost from its cost file, where the hook writes the planned
  # start order; a name that file cannot hold gets its COST here instead.
  set(properties TIMEOUT "${_mm_ctest_timeout}")
  _mm_cost_file_can_hold("${name}" in_cost_file)
  if(NOT in_cost_file)
    list(APPEND properties COST "${_mm_cost}")
  endif()
  _mm_resource_groups(groups "${_mm_memory_mib}" "${cpus}" "${gpus}")
  set_property(TEST "${name}" PROPERTY RESOURCE_GROUPS ${groups})
  if(labels)
    set_property(TEST "${name}" PROPERTY LABELS "${labels}")
  endif()
  if("performance" IN_LIST labels)
    list(APPEND properties RUN_SERIAL TRUE)
  endif()
  if(DEFINED arg_PROCESSORS)
    # CTest's own count (its -j slots): whole CPUs; mmtest's groups hold the tenths.
    list(APPEND properties PROCESSORS "${cpus_whole}")
  endif()
  if(arg_WILL_FAIL)
    list(APPEND properties WILL_FAIL TRUE)
  endif()
  set_tests_properties("${name}" PROPERTIES ${properties})
  if(DEFINED arg_WORKING_DIRECTORY)
    set_property(TEST "${name}" PROPERTY WORKING_DIRECTORY "${arg_WORKING_DIRECTORY}")
  endif()
  if(DEFINED arg_ENVIRONMENT)
    set_property(TEST "${name}" PROPERTY ENVIRONMENT "${arg_ENVIRONMENT}")
  endif()
  set(pairs "${arg_PROPERTIES}")
  while(pairs)
    list(POP_FRONT pairs property value)
    set_property(TEST "${name}" PROPERTY "${property}" "${value}")
  endwhile()

  set_property(GLOBAL PROPERTY "_MM_TEST_DEFINED_IN_${name}" "${CMAKE_CURRENT_SOURCE_DIR}")
  _mm_hook_directory()
  _mm_add_need("test '${name}'" "${_mm_memory_mib}" "${gpus}" "${_mm_timeout_ceil}" "${cpus}${cpus_fixed}")

  # What this combination resolved to, for the fast path at the top (the same values as above,
  # without what depends on this call alone: name, command, GPUS, PROCESSORS, WILL_FAIL...).
  # One string: <MiB> 0 <timeout> 1|<launcher>|<records dir>|<launcher options>|<launcher flags>|
  # <set_tests_properties pairs>, the first part being the manifest's numbers (memory, GPUs,
  # timeout, CPUs), taken apart by one regex there (list(...) would drop the escaping of list
  # values). The flags (--pin-cpus of a performance test) follow --result, as above.
  if(NOT "${launcher}${results_dir}" MATCHES "[;|]")
    # The flags of this combination alone: not this call's ALLOW_LEAKS or PIN_CPUS, which the
    # fast path never takes; nor its PROCESSORS or GPUS: one CPU, no GPU.
    _mm_launcher_flags(combination_flags FALSE FALSE "${labels}" "${arg_MEMORY}")
    _mm_resource_groups(combination_groups "${_mm_memory_mib}" 1 0)
    # One element for set_tests_properties(... RESOURCE_GROUPS a\;b).
    list(JOIN combination_groups "\\;" combination_groups)
    # A performance test is pinned to a whole CPU, held as declared (FIXED in the manifest).
    set(fixed "")
    if("performance" IN_LIST labels)
      set(fixed " FIXED")
    endif()
    set(ready "${_mm_memory_mib} 0 ${_mm_timeout_ceil} 1${fixed}|${launcher}|${results_dir}|--memory=${_mm_memory};--timeout=${_mm_timeout};--grace=${_MM_GRACE_SECONDS}|${combination_flags}|TIMEOUT;${_mm_ctest_timeout};RESOURCE_GROUPS;${combination_groups}")
    if(labels)
      # One element for set_tests_properties(... LABELS a\;b): the list survives the expansion.
      list(JOIN labels "\\;" joined_labels)
      string(APPEND ready ";LABELS;${joined_labels}")
    endif()
    if("performance" IN_LIST labels)
      string(APPEND ready ";RUN_SERIAL;TRUE")
    endif()
    set_property(GLOBAL PROPERTY "${ready_key}" "${ready}")
    set_property(GLOBAL APPEND PROPERTY _MM_MEMO_KEYS "${ready_key}")
  endif()
endfunction()
