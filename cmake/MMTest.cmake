# Distributed with mmtest.
#[=======================================================================[.rst:
MMTest
------

Declare tests that run under ``mmtest-run`` with a memory need, a timeout and labels, so that
CTest's own resource allocation keeps memory-heavy tests from running together beyond the
machine's memory budget, runs no more CPU demand than there are CPUs, runs light tests in
parallel, and runs performance tests alone.

``find_package(mmtest)``, ``add_subdirectory(mmtest)`` and ``FetchContent`` all make these
commands available; nothing else needs including.

.. code-block:: cmake

  find_package(mmtest CONFIG REQUIRED)
  add_mm_test(NAME order_book_replay COMMAND replay_test --days 30
              MEMORY 2G TIMEOUT 600 LABELS integration)
  add_mm_test(NAME throughput COMMAND bench_orders LABELS performance)
  mm_gtest_discover_tests(unit_tests MEMORY 128M LABELS unit)

Then ``ctest -j 8`` (or ``ctest --preset ci``) runs at most as much memory and as many CPUs at
once as the budgets allow; see `How scheduling works`_.

Commands
^^^^^^^^

.. command:: add_mm_test

  .. code-block:: cmake

    add_mm_test(NAME <name> COMMAND <command> [<arg>...]
                [MEMORY <size>] [TIMEOUT <seconds>] [LABELS <label>...]
                [PROCESSORS <n>] [PIN_CPUS] [GPUS <n>] [WORKING_DIRECTORY <dir>]
                [ENVIRONMENT <VAR>=<value>...] [ALLOW_LEAKS] [WILL_FAIL] [NO_CALIBRATION]
                [LAUNCHER_ARGS <option>...] [PROPERTIES <name> <value>...])

  Adds a CTest test ``<name>`` that runs ``<command> <arg>...`` under ``mmtest-run``, which
  enforces the memory budget and the timeout on the whole process tree, kills and reaps every
  descendant, writes a JSON result record and explains any failure in one line.

  ``NAME <name>``
    Required. Any characters but a newline: spaces, ``;``, quotes, ``[ ]``, ``$`` and unicode
    reach CTest, the launcher's diagnosis and the record unchanged. Must be unique in the whole
    build (CTest itself only checks one directory).

  ``COMMAND <command> [<arg>...]``
    Required. As for :command:`add_test`: an executable target name as ``<command>`` means that
    target's file, run under the target's ``TEST_LAUNCHER`` (CMake 3.29 and later) and
    ``CROSSCOMPILING_EMULATOR`` (see `Test launchers and emulators`_); arguments may use
    generator expressions. An argument that is one of this
    command's keywords cannot be passed (as with every CMake command). One that looks like a
    misspelled keyword (upper case, one or two edits from one, e.g. ``MEMROY``) is passed on
    with an ``AUTHOR_WARNING``; write it ``$<1:MEMROY>`` to pass it without one, or see
    :variable:`MMTEST_NO_KEYWORD_WARNINGS`.

  ``MEMORY <size>``
    The test's memory need and limit: the most its whole process tree may use at once. A size
    such as ``512M``, ``2G``, ``1.5GiB``, ``300MiB`` or plain bytes; binary units, any case.
    It becomes a CTest ``RESOURCE_GROUPS`` request of that many MiB (rounded up) of the
    ``mmtest_memory_mib`` resource, and the launcher's ``--memory``. Must be above zero and at
    most 2^31 MiB. Default: the variable :variable:`MMTEST_DEFAULT_MEMORY`, else ``256M``.

  ``TIMEOUT <seconds>``
    Wall-clock limit in seconds, fractions allowed (``0.5``). The launcher stops the tree when it
    is reached and reports a timeout; CTest's own ``TIMEOUT`` property is set to
    ``ceil(<seconds>) + 5 s grace + 10 s`` so the launcher always reports first.
    Default: the largest timeout of the test's labels (see `Labels`_), else
    :variable:`MMTEST_DEFAULT_TIMEOUT`, else 300 s.

  ``LABELS <label>...``
    CTest labels. Each must be known: the built-in ``unit integration performance slow soak
    chaos operational``, or one registered with :command:`mm_register_labels`. An unknown label
    is a configure error, so a typo cannot silently drop a test from ``ctest -L``/``-LE``; the
    error names the keyword it looks like (``LABELS unit MEMROY 1G``) or the known label
    (``Unit``, ``unittest``: "did you mean 'unit'?").
    ``performance`` tests also get ``RUN_SERIAL`` and ``PIN_CPUS``: benchmarks need a quiet
    machine.

  ``PROCESSORS <n>``
    The CPUs the test keeps busy, 1 to 999999: ``<n>`` CTest ``RESOURCE_GROUPS`` of one
    ``mmtest_cpus`` id each, so that CTest never runs more CPU demand than the CPU budget
    (see `How scheduling works`_), and CTest ``PROCESSORS`` (``<n>`` of ``ctest -j``). Default 1.

  ``PIN_CPUS``
    Run the test only on the CPUs CTest allocated it (``mmtest-run --pin-cpus``), for steadier
    figures.

  ``GPUS <n>``
    Request ``<n>`` distinct GPUs (resource type ``gpus``). The test-time resource spec lists
    the GPUs it finds; on a machine with too few the test is named on ctest's output and reported
    as Not Run. Default 0.

  ``WORKING_DIRECTORY <dir>``
    As for :command:`add_test`. Default: the current binary directory.

  ``ENVIRONMENT <VAR>=<value>...``
    Environment for the test (CTest ``ENVIRONMENT``).

  ``ALLOW_LEAKS``
    Processes the test leaves alive are still killed and reported, but do not fail it
    (``mmtest-run --allow-leaks``).

  ``WILL_FAIL``
    CTest ``WILL_FAIL``: the test passes when the launcher reports a failure.

  ``NO_CALIBRATION``
    Keep this call's ``MEMORY`` and ``TIMEOUT`` (or their defaults) even when the calibration
    file (:variable:`MMTEST_CALIBRATION_FILE`) lists the test: the declared value wins.

  ``LAUNCHER_ARGS <option>...``
    More ``mmtest-run`` options, e.g. ``--max-processes 64`` or ``--limit-mode sample``.
    Those the command sets itself (``--name --memory --timeout --grace --result``) are refused.

  ``PROPERTIES <name> <value>...``
    Further CTest test properties, in pairs, as for :command:`set_tests_properties`. The
    properties this command manages (``RESOURCE_GROUPS TIMEOUT LABELS ENVIRONMENT
    WORKING_DIRECTORY WILL_FAIL PROCESSORS``) are refused: use the keywords. ``COST`` and
    ``RUN_SERIAL`` may be overridden. A name that is no CTest test property but close to a
    keyword or to one (``MEMROY``, ``FIXTURES_REQUIRD``) gets an ``AUTHOR_WARNING``: CTest would
    take it as a property of that name.

  The test's result record is written to ``<MMTEST_RESULTS_DIR>/<file>.json``, where
  ``<file>`` is the name with characters outside ``[A-Za-z0-9._-]`` replaced by ``_`` plus, when
  anything was replaced, eight hex digits of the name's MD5.

  ``COST`` is left unset: CTest starts tests in decreasing cost and skips those that do not fit
  yet, and for a test without ``COST`` it takes the cost from its cost file
  (``Testing/Temporary/CTestCostData.txt``). When ctest starts, the hook runs ``mmtest plan``,
  which adds the last run's records to the history (:variable:`MMTEST_HISTORY`), simulates CTest's
  scheduling against the budget with each test's median duration over its last five runs there
  (the timeouts before any run), and writes into that file the costs of the order that
  finishes soonest, so heavy tests start early instead of waiting for the whole budget to drain
  at the end of the run. A name with a space, which that file cannot hold, gets
  ``COST`` ``<MiB> * ceil(<seconds>)`` instead, on the same scale as the planned costs.

.. command:: mm_calibrated

  .. code-block:: cmake

    mm_calibrated(<name> [MEMORY <size>] [TIMEOUT <seconds>])

  One line of a calibration file, as ``mmtest calibrate --write`` writes it: the test
  ``<name>`` gets this ``MEMORY`` and ``TIMEOUT`` in place of those its :command:`add_mm_test`
  call gives or defaults to (unless that call says ``NO_CALIBRATION``). ``<size>`` and
  ``<seconds>`` as for :command:`add_mm_test`. Only the file named by
  :variable:`MMTEST_CALIBRATION_FILE` should call it; calls after the test was added change
  nothing.

.. command:: mm_register_labels

  .. code-block:: cmake

    mm_register_labels(<label>... [TIMEOUT <seconds>])

  Makes ``<label>...`` known to :command:`add_mm_test` and :command:`mm_gtest_discover_tests`.
  With ``TIMEOUT``, tests carrying the label default to that timeout. Registering a built-in
  label again changes its default timeout: ``mm_register_labels(unit TIMEOUT 30)``.
  Labels start with a letter and contain letters, digits, ``_``, ``.`` and ``-``.
  Registration is global to the build, like the commands.

.. command:: mm_gtest_discover_tests

  .. code-block:: cmake

    mm_gtest_discover_tests(<target>
                            [MEMORY <size>] [TIMEOUT <seconds>] [LABELS <label>...]
                            [EXTRA_ARGS <arg>...] [TEST_PREFIX <prefix>] [TEST_SUFFIX <suffix>]
                            [WORKING_DIRECTORY <dir>] [ENVIRONMENT <VAR>=<value>...]
                            [PROCESSORS <n>] [PIN_CPUS] [ALLOW_LEAKS] [LAUNCHER_ARGS <option>...]
                            [CASE_TIMEOUTS <pattern> <seconds>...]
                            [DISCOVERY_TIMEOUT <seconds>] [PROPERTIES <name> <value>...])

  Makes every test case of the GoogleTest executable ``<target>`` its own CTest test
  ``<prefix><Suite>.<Case><suffix>``, run under ``mmtest-run`` as by :command:`add_mm_test` with
  ``--gtest_filter=<Suite>.<Case>`` and ``<arg>...``. ``MEMORY``, ``TIMEOUT``, ``LABELS``,
  ``PROCESSORS`` and ``PIN_CPUS`` apply to each test case, with the same defaults. Disabled tests
  (``DISABLED_``) are added with CTest's ``DISABLED`` property. Each test runs under
  ``mmtest-run --gtest``: a case that calls ``GTEST_SKIP()`` shows as Skipped in CTest and is
  recorded with the outcome ``skipped`` (unless ``GTEST_OUTPUT`` is set in its environment: the
  launcher then leaves it alone). Mistakes get the same errors and hints as with
  :command:`add_mm_test`, and ``EXTRA_ARGS`` the same warning as its ``COMMAND`` arguments.

  ``CASE_TIMEOUTS <pattern> <seconds>...`` gives the cases whose ``<Suite>.<Case>`` matches
  ``<pattern>`` (``*`` any characters, ``?`` one; the whole name must match) that timeout instead
  of ``TIMEOUT``; the first matching pattern wins. The start-order planner takes it as the case's
  first duration estimate.

  Discovery happens when ``ctest`` reads the test list: the executable is run with
  ``--gtest_list_tests`` (at most ``DISCOVERY_TIMEOUT`` seconds, default 5), under its test
  launcher and emulator but never under ``mmtest-run``, and again only when the executable
  changes. Each case runs as
  ``mmtest-run ... -- [<launcher>...] [<emulator>...] <exe> --gtest_filter=<Suite>.<Case>``.
  Works on CMake 3.25; list-valued ``PROPERTIES`` survive. A target not built yet shows up as one
  failing test ``<prefix><target>_NOT_BUILT``.

.. command:: mm_gtest_add_shards

  .. code-block:: cmake

    mm_gtest_add_shards(<target> SHARDS <n>
                        [MEMORY <size>] [TIMEOUT <seconds>] [LABELS <label>...]
                        [PROCESSORS <n>] [PIN_CPUS] [EXTRA_ARGS <arg>...] [TEST_PREFIX <prefix>]
                        [WORKING_DIRECTORY <dir>] [ENVIRONMENT <VAR>=<value>...]
                        [ALLOW_LEAKS] [LAUNCHER_ARGS <option>...] [PROPERTIES <name> <value>...])

  Splits the test cases of the GoogleTest executable ``<target>`` over ``<n>`` CTest tests
  ``<prefix><target>.shard_<i>_of_<n>`` (``<i>`` from 1), each one process under ``mmtest-run``
  with GoogleTest's own sharding (``GTEST_TOTAL_SHARDS``, ``GTEST_SHARD_INDEX``): every case runs
  in exactly one shard. For binaries with thousands of fast cases, where a process per case
  costs more than the cases. ``MEMORY`` and ``TIMEOUT`` are each shard's, not each case's; the
  other keywords are as for :command:`add_mm_test`. ``SHARDS`` is required, 1 to 9999. A shard in
  which every case that ran called ``GTEST_SKIP()`` is recorded as ``skipped``.

Variables
^^^^^^^^^

.. variable:: MMTEST_DEFAULT_MEMORY

  Memory need of tests that give no ``MEMORY``. Built-in default ``256M``: enough for C++ unit
  tests with sanitizers, small enough that a 4 GiB CI runner still runs a dozen in parallel.

.. variable:: MMTEST_DEFAULT_TIMEOUT

  Timeout in seconds of tests with neither ``TIMEOUT`` nor a label with a timeout. Built-in 300.

.. variable:: MMTEST_MEMORY_BUDGET

  Cache variable: the memory budget for tests in this build tree, a size like ``6G``. Empty (the
  default) means: measure the machine each time ``ctest`` starts. The environment variable of the
  same name, read when ``ctest`` starts, wins over it. See :module:`MMTestRuntime` for how the
  budget is measured.

.. variable:: MMTEST_CPU_BUDGET

  Cache variable: how many CPUs the tests of this build tree may keep busy at once, a count like
  ``4``. Empty (the default) means: count them each time ``ctest`` starts (the CPU affinity of
  ``ctest``, lowered to a cgroup CPU quota). The environment variable of the same name, read when
  ``ctest`` starts, wins over it. See :module:`MMTestRuntime`.

.. variable:: MMTEST_RESULTS_DIR

  Where the result records go. Default ``${CMAKE_BINARY_DIR}/mmtest-results``.

.. variable:: MMTEST_NO_KEYWORD_WARNINGS

  When true, no warning for ``COMMAND`` or ``EXTRA_ARGS`` arguments that look like misspelled
  keywords, nor for ``PROPERTIES`` names that are no CTest test property and look like a
  misspelled keyword or CTest property. A normal variable (for a directory and those below) or a
  cache variable. Default off.

.. variable:: MMTEST_RUN

  Path of the launcher. Default: the ``mmtest::run`` target. Without an ``mmtest::tool`` target,
  the hook looks for the ``mmtest`` tool (whose ``plan`` subcommand it runs) in the same directory.

.. variable:: MMTEST_CALIBRATION_FILE

  Opt-in: a calibration file, written by ``mmtest calibrate --write <file>`` from the run
  history and meant to be kept in version control, e.g.
  ``set(MMTEST_CALIBRATION_FILE "${PROJECT_SOURCE_DIR}/mmtest-calibration.cmake")`` before the
  tests are declared. When the file exists, :command:`add_mm_test` reads it once (a relative path
  is relative to the top source directory) and each test it lists gets the measured ``MEMORY``
  and ``TIMEOUT``; the order is calibration, then the call's value, then the defaults, except
  for calls with ``NO_CALIBRATION``. A missing file is no calibration. Editing the file
  reconfigures. GoogleTest cases (:command:`mm_gtest_discover_tests`) are not calibrated.

.. variable:: MMTEST_HISTORY

  The run history, an SQLite file: every run's records are added to it when the next ``ctest``
  starts (and by ``mmtest report``); the start-order planner takes durations from it and
  ``mmtest report`` flags tests that grew against it. Default
  ``${CMAKE_BINARY_DIR}/mmtest/history.sqlite``; a relative path is relative to the build
  directory. Point it at a path a CI cache keeps to carry the history across jobs. The
  environment variable of the same name, read when ``ctest`` starts and by ``mmtest report``,
  wins over it.

Test launchers and emulators
^^^^^^^^^^^^^^^^^^^^^^^^^^^^

When a test's program is an executable target, its ``TEST_LAUNCHER`` (read on CMake 3.29 and
later, as :command:`add_test` does) and its ``CROSSCOMPILING_EMULATOR`` (whenever set, also in a
native build) run inside ``mmtest-run``, in that order, before the program:
``mmtest-run ... -- <launcher>... <emulator>... <exe> <args>``. valgrind or qemu-user is then part
of the measured tree, under the test's ``MEMORY`` and ``TIMEOUT``. CTest adds neither itself:
it does so only for a command starting with a target's name, and these commands start with the
launcher's file; so the launcher, though a target that inherits
``CMAKE_CROSSCOMPILING_EMULATOR``, never runs under the emulator. A ``COMMAND`` given as a path
gets neither, as with :command:`add_test`.

Labels
^^^^^^

======================= =============== ==========================================
Label                   Default timeout Notes
======================= =============== ==========================================
``unit``                60 s
``integration``         300 s
``performance``         900 s           ``RUN_SERIAL``: runs alone
``slow``                1800 s
``soak``                7200 s
``chaos``               900 s
``operational``         900 s
(none)                  300 s           :variable:`MMTEST_DEFAULT_TIMEOUT`
======================= =============== ==========================================

A test with several labels gets the largest of their timeouts.

How scheduling works
^^^^^^^^^^^^^^^^^^^^

Each test asks CTest for ``MEMORY`` MiB of the resource ``mmtest_memory_mib`` and for
``PROCESSORS`` ids of the resource ``mmtest_cpus``. Every directory with such tests includes a
small hook in its ``CTestTestfile.cmake``; when ``ctest`` starts, the hook measures the memory
and CPU budgets, writes ``<build>/mmtest/resource-spec.json`` with that many MiB slots and one
id per CPU, and sets ``CTEST_RESOURCE_SPEC_FILE``. CTest then never runs tests together whose
MEMORY adds up to more than the memory budget, or whose PROCESSORS add up to more than the CPU
budget, whatever ``-j`` says. A test that needs more than a whole budget gets a line
``mmtest: test '<name>' needs ...`` before the run and is reported by CTest as Not Run.
``ctest --resource-spec-file <file>`` replaces the generated spec.
#]=======================================================================]

include_guard(GLOBAL)
cmake_policy(PUSH)
cmake_policy(VERSION 3.25...3.31)

include("${CMAKE_CURRENT_LIST_DIR}/MMTestRuntime.cmake")

set(MMTEST_MEMORY_BUDGET "" CACHE STRING
  "Memory budget for tests, e.g. 6G; empty: measure the machine when ctest starts")
if(NOT MMTEST_MEMORY_BUDGET STREQUAL "")
  _mm_size_to_mib("${MMTEST_MEMORY_BUDGET}" ROUND_DOWN _mm_budget_check _mm_budget_error)
  if(_mm_budget_error)
    message(FATAL_ERROR "mmtest: MMTEST_MEMORY_BUDGET ${_mm_budget_error}")
  endif()
endif()
set(MMTEST_CPU_BUDGET "" CACHE STRING
  "CPUs the tests may keep busy at once, e.g. 4; empty: count the CPUs when ctest starts")
if(NOT MMTEST_CPU_BUDGET STREQUAL "")
  string(LENGTH "${MMTEST_CPU_BUDGET}" _mm_cpu_budget_len)
  if(NOT MMTEST_CPU_BUDGET MATCHES "^0*[1-9][0-9]*$" OR _mm_cpu_budget_len GREATER 6)
    message(FATAL_ERROR "mmtest: MMTEST_CPU_BUDGET expects a count of CPUs like 4 (1 to 999999), "
      "got '${MMTEST_CPU_BUDGET}'")
  endif()
endif()

# ---- Built-in defaults ---------------------------------------------------------------------------
# A macro, called first by every public command: the commands are global, but a variable set here
# would only be seen by the directory that included this file.
macro(_mm_constants)
  set(_MM_BUILTIN_MEMORY 256M)
  set(_MM_BUILTIN_TIMEOUT_SECONDS 300)
  set(_MM_GRACE_SECONDS 5)             # passed as mmtest-run --grace
  set(_MM_CTEST_MARGIN_SECONDS 10)     # CTest's TIMEOUT = launcher timeout + grace + this
  set(_MM_MANAGED_PROPERTIES RESOURCE_GROUPS TIMEOUT LABELS ENVIRONMENT WORKING_DIRECTORY WILL_FAIL PROCESSORS)
  set(_MM_MANAGED_LAUNCHER_OPTIONS --name --memory --timeout --grace --result)
  # CTest's own test properties, CMake 3.25 to 3.31: a PROPERTIES name among them is what it
  # says; an upper-case name that is none of them may be a misspelling (_mm_check_properties).
  set(_MM_CTEST_TEST_PROPERTIES ATTACHED_FILES ATTACHED_FILES_ON_FAIL COST DEPENDS DISABLED ENVIRONMENT
    ENVIRONMENT_MODIFICATION FAIL_REGULAR_EXPRESSION FIXTURES_CLEANUP FIXTURES_REQUIRED FIXTURES_SETUP
    GENERATED_RESOURCE_SPEC_FILE LABELS MEASUREMENT PASS_REGULAR_EXPRESSION PROCESSOR_AFFINITY PROCESSORS
    REQUIRED_FILES RESOURCE_GROUPS RESOURCE_LOCK RUN_SERIAL SKIP_REGULAR_EXPRESSION SKIP_RETURN_CODE TIMEOUT
    TIMEOUT_AFTER_MATCH TIMEOUT_SIGNAL_GRACE_PERIOD TIMEOUT_SIGNAL_NAME WILL_FAIL WORKING_DIRECTORY)
  # Each command's keywords, as its cmake_parse_arguments() lists them, for the hints about
  # misspelled ones (tests/cmake/check-keywords.cmake keeps the three copies equal).
  set(_MM_KEYWORDS_add_mm_test ALLOW_LEAKS WILL_FAIL PIN_CPUS NO_CALIBRATION NAME MEMORY TIMEOUT
    PROCESSORS GPUS WORKING_DIRECTORY COMMAND LABELS ENVIRONMENT PROPERTIES LAUNCHER_ARGS)
  set(_MM_KEYWORDS_mm_gtest_discover_tests ALLOW_LEAKS PIN_CPUS MEMORY TIMEOUT PROCESSORS TEST_PREFIX
    TEST_SUFFIX WORKING_DIRECTORY DISCOVERY_TIMEOUT LABELS EXTRA_ARGS ENVIRONMENT PROPERTIES
    LAUNCHER_ARGS CASE_TIMEOUTS)
  set(_MM_KEYWORDS_mm_gtest_add_shards ALLOW_LEAKS PIN_CPUS SHARDS MEMORY TIMEOUT PROCESSORS TEST_PREFIX
    WORKING_DIRECTORY LABELS EXTRA_ARGS ENVIRONMENT PROPERTIES LAUNCHER_ARGS)
  # The hook and the GoogleTest script live beside this file, wherever it was installed.
  set(_MM_MODULE_DIR "${CMAKE_CURRENT_FUNCTION_LIST_DIR}")
endmacro()

# ---- Labels --------------------------------------------------------------------------------------

# _mm_check_seconds(<caller> <keyword> <value>): positive seconds, fractions allowed.
function(_mm_check_seconds caller keyword value)
  if(NOT value MATCHES "^([0-9]+)(\\.[0-9]+)?$")
    message(FATAL_ERROR "${caller}: ${keyword} expects seconds like 60 or 2.5, got '${value}'")
  endif()
  string(LENGTH "${CMAKE_MATCH_1}" whole_len)
  if(whole_len GREATER 9)
    message(FATAL_ERROR "${caller}: ${keyword} expects at most 999999999 seconds, got '${value}'")
  endif()
  if(NOT value MATCHES "[1-9]")
    message(FATAL_ERROR "${caller}: ${keyword} expects seconds above zero, got '${value}'")
  endif()
endfunction()

function(mm_register_labels)
  _mm_constants()
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

get_property(_mm_labels_done GLOBAL PROPERTY _MM_BUILTIN_LABELS_REGISTERED)
if(NOT _mm_labels_done)
  set_property(GLOBAL PROPERTY _MM_BUILTIN_LABELS_REGISTERED TRUE)
  mm_register_labels(unit TIMEOUT 60)
  mm_register_labels(integration TIMEOUT 300)
  mm_register_labels(performance chaos operational TIMEOUT 900)
  mm_register_labels(slow TIMEOUT 1800)
  mm_register_labels(soak TIMEOUT 7200)
endif()

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
    message(FATAL_ERROR "${caller}: unknown label '${label}'; known labels are unit, integration, "
      "performance, slow, soak, chaos, operational and those given to mm_register_labels(); "
      "register it with mm_register_labels(${label})")
  endforeach()
endfunction()

# ---- Hints for misspelled keywords and labels ----------------------------------------------------
# Only reached once something is wrong or looks wrong: an unknown label or argument, or an
# upper-case word among a command's arguments (each distinct word compared once per configure).
# None of this runs for a well-formed call without such a word.

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
      _mm_constants()
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

# ---- Shared resolution of MEMORY, TIMEOUT and the launcher ---------------------------------------

# _mm_resolve_limits(<caller> <memory> <timeout> <labels>)
#
# Applies the defaults and validates; sets in the caller's scope: _mm_memory (the size string for
# the launcher), _mm_memory_mib (rounded up), _mm_timeout (seconds string), _mm_timeout_ceil,
# _mm_ctest_timeout, _mm_cost.
function(_mm_resolve_limits caller memory timeout labels)
  # Suites repeat a few MEMORY/TIMEOUT/LABELS combinations thousands of times: resolve each once
  # (the key holds everything the result depends on; mm_register_labels() forgets them all).
  set(key "_MM_LIMITS_${memory}|${timeout}|${labels}|${MMTEST_DEFAULT_MEMORY}|${MMTEST_DEFAULT_TIMEOUT}")
  get_property(cached GLOBAL PROPERTY "${key}")
  if(cached)
    list(POP_FRONT cached memory memory_mib timeout timeout_ceil ctest_timeout cost)
    set(_mm_memory "${memory}" PARENT_SCOPE)
    set(_mm_memory_mib "${memory_mib}" PARENT_SCOPE)
    set(_mm_timeout "${timeout}" PARENT_SCOPE)
    set(_mm_timeout_ceil "${timeout_ceil}" PARENT_SCOPE)
    set(_mm_ctest_timeout "${ctest_timeout}" PARENT_SCOPE)
    set(_mm_cost "${cost}" PARENT_SCOPE)
    return()
  endif()
  _mm_check_labels("${caller}" "${labels}")
  if(NOT "${memory}" STREQUAL "")
    set(memory_from MEMORY)
  elseif(DEFINED MMTEST_DEFAULT_MEMORY AND NOT "${MMTEST_DEFAULT_MEMORY}" STREQUAL "")
    set(memory "${MMTEST_DEFAULT_MEMORY}")
    set(memory_from "MMTEST_DEFAULT_MEMORY")
  else()
    set(memory "${_MM_BUILTIN_MEMORY}")
    set(memory_from MEMORY)
  endif()
  _mm_size_to_mib("${memory}" ROUND_UP memory_mib error)
  if(error)
    message(FATAL_ERROR "${caller}: ${memory_from} ${error}")
  endif()

  if(NOT "${timeout}" STREQUAL "")
    _mm_check_seconds("${caller}" TIMEOUT "${timeout}")
  else()
    # The largest timeout among the labels that have one; compare whole seconds rounded up.
    set(best_ceil -1)
    foreach(label IN LISTS labels)
      get_property(label_timeout GLOBAL PROPERTY "_MM_LABEL_TIMEOUT_${label}")
      if(NOT "${label_timeout}" STREQUAL "")
        _mm_ceil_seconds("${label_timeout}" label_ceil)
        if(label_ceil GREATER best_ceil)
          set(best_ceil ${label_ceil})
          set(timeout "${label_timeout}")
        endif()
      endif()
    endforeach()
    if("${timeout}" STREQUAL "")
      if(DEFINED MMTEST_DEFAULT_TIMEOUT AND NOT "${MMTEST_DEFAULT_TIMEOUT}" STREQUAL "")
        _mm_check_seconds("${caller}" MMTEST_DEFAULT_TIMEOUT "${MMTEST_DEFAULT_TIMEOUT}")
        set(timeout "${MMTEST_DEFAULT_TIMEOUT}")
      else()
        set(timeout ${_MM_BUILTIN_TIMEOUT_SECONDS})
      endif()
    endif()
  endif()
  _mm_ceil_seconds("${timeout}" timeout_ceil)
  math(EXPR ctest_timeout "${timeout_ceil} + ${_MM_GRACE_SECONDS} + ${_MM_CTEST_MARGIN_SECONDS}")
  math(EXPR cost "${memory_mib} * ${timeout_ceil}")

  set_property(GLOBAL PROPERTY "${key}" "${memory};${memory_mib};${timeout};${timeout_ceil};${ctest_timeout};${cost}")
  set_property(GLOBAL APPEND PROPERTY _MM_MEMO_KEYS "${key}")
  set(_mm_memory "${memory}" PARENT_SCOPE)
  set(_mm_memory_mib "${memory_mib}" PARENT_SCOPE)
  set(_mm_timeout "${timeout}" PARENT_SCOPE)
  set(_mm_timeout_ceil "${timeout_ceil}" PARENT_SCOPE)
  set(_mm_ctest_timeout "${ctest_timeout}" PARENT_SCOPE)
  set(_mm_cost "${cost}" PARENT_SCOPE)
endfunction()

# _mm_ceil_seconds(<seconds> <out>): whole seconds, rounded up.
function(_mm_ceil_seconds seconds out)
  if(seconds MATCHES "^0*([0-9]+)\\.([0-9]+)$")
    set(whole "${CMAKE_MATCH_1}")
    if(CMAKE_MATCH_2 MATCHES "[1-9]")
      math(EXPR whole "${whole} + 1")
    endif()
  else()
    string(REGEX REPLACE "^0+([0-9])" "\\1" whole "${seconds}")
  endif()
  set(${out} "${whole}" PARENT_SCOPE)
endfunction()

# _mm_launcher(<caller> <out>): the launcher path or generator expression.
function(_mm_launcher caller out)
  if(DEFINED MMTEST_RUN AND NOT "${MMTEST_RUN}" STREQUAL "")
    set(${out} "${MMTEST_RUN}" PARENT_SCOPE)
  elseif(TARGET mmtest::run)
    set(${out} "$<TARGET_FILE:mmtest::run>" PARENT_SCOPE)
  else()
    message(FATAL_ERROR "${caller}: the launcher target mmtest::run does not exist; call "
      "find_package(mmtest) or add_subdirectory() mmtest first, or set MMTEST_RUN to its path")
  endif()
endfunction()

# _mm_check_launcher_args(<caller> <args>)
function(_mm_check_launcher_args caller args)
  foreach(arg IN LISTS args)
    foreach(option IN LISTS _MM_MANAGED_LAUNCHER_OPTIONS)
      if(arg STREQUAL option OR arg MATCHES "^${option}=")
        message(FATAL_ERROR "${caller}: LAUNCHER_ARGS may not contain ${option}: "
          "it is set from NAME, MEMORY, TIMEOUT and MMTEST_RESULTS_DIR")
      endif()
    endforeach()
  endforeach()
endfunction()

# _mm_check_environment(<caller> <entries>)
function(_mm_check_environment caller entries)
  foreach(entry IN LISTS entries)
    if(NOT entry MATCHES "^[A-Za-z_][A-Za-z0-9_]*=")
      _mm_hint_unknown_arguments("${caller}" "${entry}" hint)
      message(FATAL_ERROR "${caller}: ENVIRONMENT expects VAR=value, got '${entry}'${hint}")
    endif()
  endforeach()
endfunction()

# _mm_check_properties(<caller> <pairs>): name/value pairs, none of the managed ones. CTest takes
# any name as a test property, so `PROPERTIES COST 2 MEMROY 1G` would set a property MEMROY and
# leave the test at the default MEMORY without a word: an upper-case name that is no CTest test
# property but close to one of the command's keywords or to a CTest property gets a warning.
function(_mm_check_properties caller pairs)
  list(LENGTH pairs count)
  math(EXPR odd "${count} % 2")
  if(odd)
    message(FATAL_ERROR "${caller}: PROPERTIES expects <name> <value> pairs, got ${count} items: '${pairs}'")
  endif()
  set(is_name TRUE)
  foreach(item IN LISTS pairs)
    if(is_name)
      if(NOT item MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
        message(FATAL_ERROR "${caller}: PROPERTIES expects a property name, got '${item}'")
      endif()
      if(item IN_LIST _MM_MANAGED_PROPERTIES)
        _mm_managed_property_error("${caller}" "${item}")
      endif()
      if(NOT MMTEST_NO_KEYWORD_WARNINGS AND item MATCHES "^[A-Z][A-Z_]+$" AND NOT item IN_LIST _MM_CTEST_TEST_PROPERTIES)
        _mm_keyword_like("${caller}" "${item}" like)
        set(what "the keyword")
        if(NOT like)
          _mm_nearest("${item}" "${_MM_CTEST_TEST_PROPERTIES}" like)
          set(what "the CTest test property")
        endif()
        if(like)
          message(AUTHOR_WARNING "${caller}: PROPERTIES name '${item}' is no CTest test property and looks like a "
            "misspelling of ${what} ${like}; the test gets a property named ${item}. If that is meant, set "
            "MMTEST_NO_KEYWORD_WARNINGS to ON")
        endif()
      endif()
      set(is_name FALSE)
    else()
      set(is_name TRUE)
    endif()
  endforeach()
endfunction()

function(_mm_managed_property_error caller property)
  if(property STREQUAL "RESOURCE_GROUPS")
    message(FATAL_ERROR "${caller}: PROPERTIES may not set RESOURCE_GROUPS: it comes from MEMORY, PROCESSORS and GPUS")
  endif()
  message(FATAL_ERROR "${caller}: PROPERTIES may not set ${property}: use the ${property} keyword")
endfunction()

# _mm_check_pass_through(<caller>): the caller's parsed ENVIRONMENT, PROPERTIES and LAUNCHER_ARGS
# (its arg_* variables, visible here), checked alike for add_mm_test and mm_gtest_discover_tests.
function(_mm_check_pass_through caller)
  if(DEFINED arg_ENVIRONMENT)
    _mm_check_environment("${caller}" "${arg_ENVIRONMENT}")
  endif()
  if(DEFINED arg_PROPERTIES)
    _mm_check_properties("${caller}" "${arg_PROPERTIES}")
  endif()
  if(DEFINED arg_LAUNCHER_ARGS)
    _mm_check_launcher_args("${caller}" "${arg_LAUNCHER_ARGS}")
  endif()
endfunction()

# _mm_check_properties_start(<caller> <argc>), a macro to see the caller's ARGV<n>: a managed
# property right after PROPERTIES would be parsed as the keyword of the same name and leave
# PROPERTIES empty; name the real mistake instead.
macro(_mm_check_properties_start caller argc)
  math(EXPR _mm_last "${argc} - 2")
  if(_mm_last GREATER_EQUAL 0)
    foreach(_mm_i RANGE 0 ${_mm_last})
      math(EXPR _mm_next "${_mm_i} + 1")
      if("${ARGV${_mm_i}}" STREQUAL "PROPERTIES" AND "${ARGV${_mm_next}}" IN_LIST _MM_MANAGED_PROPERTIES)
        _mm_managed_property_error("${caller}" "${ARGV${_mm_next}}")
      endif()
    endforeach()
  endif()
endmacro()

# _mm_results_dir(<out>): the records directory, created once per configure.
function(_mm_results_dir out)
  if(DEFINED MMTEST_RESULTS_DIR AND NOT "${MMTEST_RESULTS_DIR}" STREQUAL "")
    set(dir "${MMTEST_RESULTS_DIR}")
  else()
    set(dir "${CMAKE_BINARY_DIR}/mmtest-results")
  endif()
  get_property(made GLOBAL PROPERTY "_MM_RESULTS_DIR_MADE_${dir}")
  if(NOT made)
    file(MAKE_DIRECTORY "${dir}")
    set_property(GLOBAL PROPERTY "_MM_RESULTS_DIR_MADE_${dir}" TRUE)
    # Where `mmtest plan` looks for the last run's durations.
    set_property(GLOBAL APPEND PROPERTY _MM_RESULTS_DIRS "${dir}")
  endif()
  set(${out} "${dir}" PARENT_SCOPE)
endfunction()

# ---- The ctest-time hook and the manifest --------------------------------------------------------

# _mm_hook_directory(): on the first mmtest test, schedules _mm_finish(), which writes the
# ctest-time hook and the manifest of memory needs and makes every directory's
# CTestTestfile.cmake include the hook. The hook runs once per ctest invocation however many
# directories include it, so `ctest --test-dir <subdir>` works too.
function(_mm_hook_directory)
  get_property(scheduled GLOBAL PROPERTY _MM_FINISH_SCHEDULED)
  if(NOT scheduled)
    set_property(GLOBAL PROPERTY _MM_FINISH_SCHEDULED TRUE)
    cmake_language(DEFER DIRECTORY "${CMAKE_SOURCE_DIR}" CALL _mm_finish)
  endif()
endfunction()

# _mm_add_need(<subject> <memory_mib> <gpus> <timeout_seconds> <cpus>): one manifest line;
# <subject> completes "mmtest: <subject> needs 4096 MiB but the memory budget is ...". The
# whole-second timeout is the planner's first estimate of a test's duration.
function(_mm_add_need subject memory_mib gpus)
  _mm_quote(quoted "${subject}")
  list(PREPEND ARGN "${memory_mib}" "${gpus}")
  list(JOIN ARGN " " numbers)
  set_property(GLOBAL APPEND_STRING PROPERTY _MM_MANIFEST "_mm_need(${quoted} ${numbers})\n")
endfunction()

# _mm_quote_per_config(<out> <base>): "<base>-${CTEST_CONFIGURATION_TYPE}.cmake" quoted for
# generated ctest-time code, for files written per configuration by file(GENERATE) with a
# multi-config generator: the reference to the configuration ctest runs stays unexpanded.
function(_mm_quote_per_config out base)
  _mm_quote(quoted "${base}-")
  string(REGEX REPLACE "\"$" "\${CTEST_CONFIGURATION_TYPE}.cmake\"" quoted "${quoted}")
  set(${out} "${quoted}" PARENT_SCOPE)
endfunction()

# _mm_finish(), deferred to the end of the top-level directory, when every test and target is
# known: the manifest, where to find the mmtest tool, the hook, and the hook first in every
# directory's TEST_INCLUDE_FILES (once per directory rather than once per test).
function(_mm_finish)
  _mm_constants()
  set(state_dir "${CMAKE_BINARY_DIR}/mmtest")
  get_property(content GLOBAL PROPERTY _MM_MANIFEST)
  file(CONFIGURE OUTPUT "${state_dir}/manifest.cmake" CONTENT
    "# Generated by mmtest: the memory and GPU needs and the timeout of every mmtest test, checked\n# against the budget and planned when ctest starts.\n${content}")

  # The mmtest tool (its `plan` subcommand), from the same build or install as mmtest-run; next to
  # MMTEST_RUN without one. Its path is only known per configuration, so the hook reads it from a
  # generated file.
  if(TARGET mmtest::tool)
    set(planner "$<TARGET_FILE:mmtest::tool>")
  elseif(NOT "${MMTEST_RUN}" STREQUAL "")
    get_filename_component(planner "${MMTEST_RUN}" DIRECTORY)
    string(APPEND planner "/mmtest")
  else()
    set(planner "")
  endif()
  get_property(multi_config GLOBAL PROPERTY GENERATOR_IS_MULTI_CONFIG)
  if(multi_config)
    file(GENERATE OUTPUT "${state_dir}/planner-$<CONFIG>.cmake" CONTENT "set(_mm_planner [==[${planner}]==])\n")
    _mm_quote_per_config(planner_file "${state_dir}/planner")
  else()
    file(GENERATE OUTPUT "${state_dir}/planner.cmake" CONTENT "set(_mm_planner [==[${planner}]==])\n")
    _mm_quote(planner_file "${state_dir}/planner.cmake")
  endif()

  get_property(records GLOBAL PROPERTY _MM_RESULTS_DIRS)
  set(records_args "")
  foreach(dir IN LISTS records)
    _mm_quote(quoted "${dir}")
    string(APPEND records_args " ${quoted}")
  endforeach()
  get_property(gtest_files GLOBAL PROPERTY _MM_GTEST_FILES)
  set(gtest_args "")
  foreach(file IN LISTS gtest_files)
    _mm_quote(quoted "${file}")
    string(APPEND gtest_args " ${quoted}")
  endforeach()
  _mm_quote(runtime "${_MM_MODULE_DIR}/MMTestRuntime.cmake")
  _mm_quote(spec "${state_dir}/resource-spec.json")
  _mm_quote(manifest "${state_dir}/manifest.cmake")
  _mm_quote(cache_budget "${MMTEST_MEMORY_BUDGET}")
  _mm_quote(cache_cpus "${MMTEST_CPU_BUDGET}")
  # The run history the planner learns durations from and `mmtest report` adds to; a path given
  # at configure time is left where `mmtest report` finds it too.
  if(DEFINED MMTEST_HISTORY AND NOT "${MMTEST_HISTORY}" STREQUAL "")
    get_filename_component(history "${MMTEST_HISTORY}" ABSOLUTE BASE_DIR "${CMAKE_BINARY_DIR}")
    file(CONFIGURE OUTPUT "${state_dir}/history-path" CONTENT "${history}\n")
  else()
    set(history "${state_dir}/history.sqlite")
    file(REMOVE "${state_dir}/history-path")
  endif()
  _mm_quote(history "${history}")
  set(hook "${state_dir}/ctest-hook.cmake")
  file(CONFIGURE OUTPUT "${hook}" CONTENT [=[
# Generated by mmtest (MMTest.cmake): measures the memory and CPU budgets when ctest starts, writes
# CTest's resource spec and plans the start order. Included by every CTestTestfile.cmake of the
# build tree; runs once per ctest invocation.
if(DEFINED _MMTEST_HOOK_DONE)
  return()
endif()
set(_MMTEST_HOOK_DONE TRUE)
include(@runtime@)
_mm_ctest_prepare(SPEC_FILE @spec@ MANIFEST @manifest@ CACHE_BUDGET @cache_budget@
  CACHE_CPUS @cache_cpus@ PLANNER_FILE @planner_file@ HISTORY @history@ RECORDS@records_args@
  GTEST_FILES@gtest_args@)
]=] @ONLY)

  set(pending "${CMAKE_SOURCE_DIR}")
  while(pending)
    list(POP_FRONT pending dir)
    get_property(includes DIRECTORY "${dir}" PROPERTY TEST_INCLUDE_FILES)
    set_property(DIRECTORY "${dir}" PROPERTY TEST_INCLUDE_FILES "${hook}" ${includes})
    get_property(subdirectories DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
    list(APPEND pending ${subdirectories})
  endwhile()
endfunction()

# _mm_check_processors(<caller> <out>), a macro to see the caller's arg_PROCESSORS: the test's CPU
# need, 1 without PROCESSORS.
macro(_mm_check_processors caller out)
  set(${out} 1)
  if(DEFINED arg_PROCESSORS)
    string(LENGTH "${arg_PROCESSORS}" _mm_processors_len)
    if(NOT arg_PROCESSORS MATCHES "^0*[1-9][0-9]*$" OR _mm_processors_len GREATER 6)
      message(FATAL_ERROR "${caller}: PROCESSORS expects a count of CPUs from 1 to 999999, got '${arg_PROCESSORS}'")
    endif()
    math(EXPR ${out} "${arg_PROCESSORS}")
  endif()
endmacro()

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

# _mm_resource_groups(<out> <memory_mib> <cpus> <gpus>): a test's RESOURCE_GROUPS, as a list:
# its MiB of the memory pool, and each CPU and GPU as a group of one slot of its own, so that
# CTest hands out distinct CPU and GPU ids.
function(_mm_resource_groups out memory_mib cpus gpus)
  set(groups "mmtest_memory_mib:${memory_mib}")
  if(cpus EQUAL 1)
    list(APPEND groups "mmtest_cpus:1")
  else()
    list(APPEND groups "${cpus},mmtest_cpus:1")
  endif()
  if(gpus GREATER 0)
    list(APPEND groups "${gpus},gpus:1")
  endif()
  set(${out} "${groups}" PARENT_SCOPE)
endfunction()

# ---- add_mm_test ---------------------------------------------------------------------------------

function(add_mm_test)
  cmake_parse_arguments(PARSE_ARGV 0 arg
    "ALLOW_LEAKS;WILL_FAIL;PIN_CPUS;NO_CALIBRATION"
    "NAME;MEMORY;TIMEOUT;PROCESSORS;GPUS;WORKING_DIRECTORY"
    "COMMAND;LABELS;ENVIRONMENT;PROPERTIES;LAUNCHER_ARGS")

  # The calibration file (`mmtest calibrate --write`) gives the tests it lists their measured
  # MEMORY and TIMEOUT in place of the declared ones, unless the call says NO_CALIBRATION. It is
  # read once; each call then costs one lookup, and both paths below see the values as if given.
  if(NOT "${MMTEST_CALIBRATION_FILE}" STREQUAL "" AND NOT arg_NO_CALIBRATION)
    get_property(calibration_read GLOBAL PROPERTY _MM_CALIBRATION_READ)
    if(NOT "${calibration_read}" STREQUAL "${MMTEST_CALIBRATION_FILE}")
      _mm_read_calibration()
    endif()
    get_property(calibrated GLOBAL PROPERTY "_MM_CALIBRATED_${arg_NAME}")
    if(calibrated MATCHES "^([^|]*)\\|(.*)$")
      if(NOT "${CMAKE_MATCH_1}" STREQUAL "")
        set(arg_MEMORY "${CMAKE_MATCH_1}")
      endif()
      if(NOT "${CMAKE_MATCH_2}" STREQUAL "")
        set(arg_TIMEOUT "${CMAKE_MATCH_2}")
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
  if(ready AND "${arg_UNPARSED_ARGUMENTS}${arg_KEYWORDS_MISSING_VALUES}${arg_ALLOW_LEAKS}${arg_WILL_FAIL}${arg_PIN_CPUS}${arg_WORKING_DIRECTORY}${arg_ENVIRONMENT}${arg_PROPERTIES}${arg_LAUNCHER_ARGS}"
      STREQUAL "FALSEFALSEFALSE" AND NOT DEFINED arg_PROCESSORS AND NOT DEFINED arg_GPUS)
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
        AND ready MATCHES "^([0-9]+ 0 [0-9]+ 1)\\|([^|]*)\\|([^|]*)\\|([^|]*)\\|([^|]*)\\|(.*)$")
    elseif(name_length LESS_EQUAL 100 AND "${first_dir}" STREQUAL "" AND NOT TEST "${arg_NAME}"
        AND arg_NAME MATCHES "^[A-Za-z0-9_-][A-Za-z0-9_.-]*$"
        AND NOT ";${arg_COMMAND};" MATCHES ";;|\\\\;|;(CONFIGURATIONS|WORKING_DIRECTORY|COMMAND_EXPAND_LISTS);"
        AND ready MATCHES "^([0-9]+ 0 [0-9]+ 1)\\|([^|]*)\\|([^|]*)\\|([^|]*)\\|([^|]*)\\|(.*)$")
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
  _mm_launcher_flags(launcher_flags "${arg_ALLOW_LEAKS}" "${arg_PIN_CPUS}" "${labels}")
  set(words ";${arg_COMMAND};")
  if(DEFINED arg_LAUNCHER_ARGS)
    string(APPEND words "${arg_LAUNCHER_ARGS};")
  endif()
  if(NOT "${wrappers}" STREQUAL "")
    string(APPEND words "${wrappers};")
  endif()
  if(words MATCHES ";;|\\\\;|;(CONFIGURATIONS|WORKING_DIRECTORY|COMMAND_EXPAND_LISTS);")
    _mm_launcher_call(call "${launcher}" "${name}" "${_mm_memory}" "${_mm_timeout}" "${result_file}"
      "${launcher_flags}" "${arg_LAUNCHER_ARGS}")
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
  if(name MATCHES "[ \r]" OR name STREQUAL "---")
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
    list(APPEND properties PROCESSORS "${arg_PROCESSORS}")
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
  _mm_add_need("test '${name}'" "${_mm_memory_mib}" "${gpus}" "${_mm_timeout_ceil}" "${cpus}")

  # What this combination resolved to, for the fast path at the top (the same values as above,
  # without what depends on this call alone: name, command, GPUS, PROCESSORS, WILL_FAIL...).
  # One string: <MiB> 0 <timeout> 1|<launcher>|<records dir>|<launcher options>|<launcher flags>|
  # <set_tests_properties pairs>, the first part being the manifest's numbers (memory, GPUs,
  # timeout, CPUs), taken apart by one regex there (list(...) would drop the escaping of list
  # values). The flags (--pin-cpus of a performance test) follow --result, as above.
  if(NOT "${launcher}${results_dir}" MATCHES "[;|]")
    # The flags of this combination alone: not this call's ALLOW_LEAKS or PIN_CPUS, which the
    # fast path never takes. One element for set_tests_properties(... RESOURCE_GROUPS a\;b).
    _mm_launcher_flags(combination_flags FALSE FALSE "${labels}")
    set(ready "${_mm_memory_mib} 0 ${_mm_timeout_ceil} 1|${launcher}|${results_dir}|--memory=${_mm_memory};--timeout=${_mm_timeout};--grace=${_MM_GRACE_SECONDS}|${combination_flags}|TIMEOUT;${_mm_ctest_timeout};RESOURCE_GROUPS;mmtest_memory_mib:${_mm_memory_mib}\\;mmtest_cpus:1")
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

# ---- Calibration ---------------------------------------------------------------------------------

# _mm_read_calibration(): includes MMTEST_CALIBRATION_FILE (relative to the top source directory)
# when it exists, and reconfigures when it changes. A missing file is no calibration: the first
# runs of a project have none yet.
function(_mm_read_calibration)
  set_property(GLOBAL PROPERTY _MM_CALIBRATION_READ "${MMTEST_CALIBRATION_FILE}")
  get_filename_component(file "${MMTEST_CALIBRATION_FILE}" ABSOLUTE BASE_DIR "${CMAKE_SOURCE_DIR}")
  set_property(DIRECTORY "${CMAKE_SOURCE_DIR}" APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${file}")
  if(EXISTS "${file}")
    set(_MM_CALIBRATION_FILE "${file}")
    include("${file}")
  endif()
endfunction()

function(mm_calibrated name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "MEMORY;TIMEOUT" "")
  set(caller "mm_calibrated(${name})")
  if(DEFINED _MM_CALIBRATION_FILE)
    string(APPEND caller " in ${_MM_CALIBRATION_FILE}")
  endif()
  if(arg_UNPARSED_ARGUMENTS)
    list(JOIN arg_UNPARSED_ARGUMENTS "', '" unparsed)
    message(FATAL_ERROR "${caller}: unknown argument '${unparsed}'; expected MEMORY <size> and TIMEOUT <seconds>")
  endif()
  if(arg_KEYWORDS_MISSING_VALUES)
    list(JOIN arg_KEYWORDS_MISSING_VALUES ", " missing)
    message(FATAL_ERROR "${caller}: ${missing} needs a value")
  endif()
  if(DEFINED arg_MEMORY)
    _mm_size_to_mib("${arg_MEMORY}" ROUND_UP memory_mib error)
    if(error)
      message(FATAL_ERROR "${caller}: MEMORY ${error}")
    endif()
  endif()
  if(DEFINED arg_TIMEOUT)
    _mm_check_seconds("${caller}" TIMEOUT "${arg_TIMEOUT}")
  endif()
  set_property(GLOBAL PROPERTY "_MM_CALIBRATED_${name}" "${arg_MEMORY}|${arg_TIMEOUT}")
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

# ---- mm_gtest_discover_tests ---------------------------------------------------------------------

# _mm_case_timeouts(<caller> <pairs> <out> <out_manifest>): CASE_TIMEOUTS <pattern> <seconds>...
# checked, as "<regex>;<seconds>;<CTest TIMEOUT>;..." for the ctest-time script (<out>) and as
# ` "<pattern>" <whole seconds>...` for the manifest line (<out_manifest>). A pattern is a
# GoogleTest-style glob over "<Suite>.<Case>": `*` any characters, `?` one character.
function(_mm_case_timeouts caller pairs out out_manifest)
  set(triplets "")
  set(manifest "")
  list(LENGTH pairs count)
  math(EXPR odd "${count} % 2")
  if(odd)
    message(FATAL_ERROR "${caller}: CASE_TIMEOUTS expects <pattern> <seconds> pairs, got ${count} items: '${pairs}'")
  endif()
  while(pairs)
    list(POP_FRONT pairs pattern seconds)
    if(pattern STREQUAL "" OR pattern MATCHES "[ \t\n]")
      message(FATAL_ERROR "${caller}: CASE_TIMEOUTS expects a pattern like 'Replay.*' (no spaces), got '${pattern}'")
    endif()
    _mm_check_seconds("${caller}" "CASE_TIMEOUTS ${pattern}" "${seconds}")
    _mm_ceil_seconds("${seconds}" seconds_ceil)
    math(EXPR ctest_timeout "${seconds_ceil} + ${_MM_GRACE_SECONDS} + ${_MM_CTEST_MARGIN_SECONDS}")
    string(REGEX REPLACE "([][+.^$(){}|\\])" "\\\\\\1" regex "${pattern}")
    string(REPLACE "*" ".*" regex "${regex}")
    string(REPLACE "?" "." regex "${regex}")
    list(APPEND triplets "^${regex}$" "${seconds}" "${ctest_timeout}")
    _mm_quote(quoted "${pattern}")
    string(APPEND manifest " ${quoted} ${seconds_ceil}")
  endwhile()
  set(${out} "${triplets}" PARENT_SCOPE)
  set(${out_manifest} "${manifest}" PARENT_SCOPE)
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

# _mm_check_gtest_call(<caller> <target> <argc>), a macro to see the caller's arg_* variables and
# ARGV<n> (<argc>: the caller's ARGC; a macro's own ${ARGC} would be its two arguments): every
# argument parsed, each keyword with its value, and <target> an executable target; the checks
# mm_gtest_discover_tests and mm_gtest_add_shards share.
macro(_mm_check_gtest_call caller target argc)
  if(arg_UNPARSED_ARGUMENTS)
    list(JOIN arg_UNPARSED_ARGUMENTS "', '" _mm_unparsed)
    _mm_hint_unknown_arguments("${caller}" "${arg_UNPARSED_ARGUMENTS}" _mm_hint)
    message(FATAL_ERROR "${caller}: unknown argument '${_mm_unparsed}'${_mm_hint}")
  endif()
  if(arg_KEYWORDS_MISSING_VALUES)
    _mm_check_properties_start("${caller}" ${argc})
    list(JOIN arg_KEYWORDS_MISSING_VALUES ", " _mm_missing)
    message(FATAL_ERROR "${caller}: ${_mm_missing} needs a value")
  endif()
  if(NOT TARGET "${target}")
    message(FATAL_ERROR "${caller}: '${target}' is not a target; pass the GoogleTest executable target")
  endif()
  get_target_property(_mm_type "${target}" TYPE)
  if(NOT _mm_type STREQUAL "EXECUTABLE")
    message(FATAL_ERROR "${caller}: '${target}' is a ${_mm_type}, expected an executable target")
  endif()
endmacro()

function(mm_gtest_discover_tests target)
  _mm_constants()
  cmake_parse_arguments(PARSE_ARGV 1 arg
    "ALLOW_LEAKS;PIN_CPUS"
    "MEMORY;TIMEOUT;PROCESSORS;TEST_PREFIX;TEST_SUFFIX;WORKING_DIRECTORY;DISCOVERY_TIMEOUT"
    "LABELS;EXTRA_ARGS;ENVIRONMENT;PROPERTIES;LAUNCHER_ARGS;CASE_TIMEOUTS")
  set(caller "mm_gtest_discover_tests(${target})")
  _mm_check_gtest_call("${caller}" "${target}" ${ARGC})

  set(labels "${arg_LABELS}")
  list(REMOVE_DUPLICATES labels)
  _mm_resolve_limits("${caller}" "${arg_MEMORY}" "${arg_TIMEOUT}" "${labels}")
  _mm_check_processors("${caller}" cpus)
  _mm_launcher_flags(launcher_flags "${arg_ALLOW_LEAKS}" "${arg_PIN_CPUS}" "${labels}")
  _mm_case_timeouts("${caller}" "${arg_CASE_TIMEOUTS}" case_timeouts case_timeouts_manifest)
  set(discovery_timeout 5)
  if(DEFINED arg_DISCOVERY_TIMEOUT)
    _mm_check_seconds("${caller}" DISCOVERY_TIMEOUT "${arg_DISCOVERY_TIMEOUT}")
    set(discovery_timeout "${arg_DISCOVERY_TIMEOUT}")
  endif()
  _mm_check_pass_through("${caller}")
  if(";${arg_EXTRA_ARGS};" MATCHES ";[A-Z][A-Z_]+;")
    _mm_warn_keyword_like_arguments(mm_gtest_discover_tests "${caller}" EXTRA_ARGS "${arg_EXTRA_ARGS}")
  endif()
  _mm_launcher("${caller}" launcher)
  _mm_results_dir(results_dir)
  set(working_directory "${CMAKE_CURRENT_BINARY_DIR}")
  if(DEFINED arg_WORKING_DIRECTORY)
    set(working_directory "${arg_WORKING_DIRECTORY}")
  endif()
  set(run_serial FALSE)
  if("performance" IN_LIST labels)
    set(run_serial TRUE)
  endif()

  # One set of files per call: a target may be discovered twice with different prefixes.
  get_property(calls DIRECTORY PROPERTY "_MM_GTEST_CALLS_${target}")
  if(NOT calls)
    set(calls 0)
  endif()
  math(EXPR calls "${calls} + 1")
  set_property(DIRECTORY PROPERTY "_MM_GTEST_CALLS_${target}" ${calls})
  set(file_base "${CMAKE_CURRENT_BINARY_DIR}/${target}_mmtest")
  if(calls GREATER 1)
    string(APPEND file_base "_${calls}")
  endif()

  _mm_test_wrappers(wrappers "${target}")

  set(content "# Generated by mm_gtest_discover_tests(${target}): read by ctest, see MMTestGTest.cmake.\n")
  string(APPEND content "include(\"${_MM_MODULE_DIR}/MMTestGTest.cmake\")\n_mm_gtest_add_tests(\n")
  foreach(pair
      "TARGET;${target}" "EXECUTABLE;$<TARGET_FILE:${target}>" "LAUNCHER;${launcher}"
      "LIST_FILE;${file_base}_list.txt" "RESULTS_DIR;${results_dir}"
      "PREFIX;${arg_TEST_PREFIX}" "SUFFIX;${arg_TEST_SUFFIX}" "MEMORY;${_mm_memory}"
      "MEMORY_MIB;${_mm_memory_mib}" "TIMEOUT;${_mm_timeout}" "CTEST_TIMEOUT;${_mm_ctest_timeout}"
      "COST;${_mm_cost}" "GRACE;${_MM_GRACE_SECONDS}" "CPUS;${cpus}"
      "RUN_SERIAL;${run_serial}" "WORKING_DIRECTORY;${working_directory}"
      "DISCOVERY_TIMEOUT;${discovery_timeout}")
    list(POP_FRONT pair key)
    _mm_bracket(value "${pair}")
    string(APPEND content "  ${key} ${value}\n")
  endforeach()
  # Lists keep their escaped ';' inside one bracket argument; the script splits them itself.
  set(arg_LAUNCHER_FLAGS "${launcher_flags}")
  set(arg_CASE_TIMEOUTS "${case_timeouts}")
  foreach(key LABELS EXTRA_ARGS ENVIRONMENT PROPERTIES LAUNCHER_FLAGS LAUNCHER_ARGS CASE_TIMEOUTS)
    _mm_bracket(value "${arg_${key}}")
    string(APPEND content "  ${key}_LIST ${value}\n")
  endforeach()
  _mm_bracket(value "${wrappers}")
  string(APPEND content "  WRAPPERS_LIST ${value})\n")

  get_property(multi_config GLOBAL PROPERTY GENERATOR_IS_MULTI_CONFIG)
  if(multi_config)
    file(GENERATE OUTPUT "${file_base}-$<CONFIG>.cmake" CONTENT "${content}")
    _mm_quote_per_config(per_config "${file_base}")
    _mm_quote(not_built "${arg_TEST_PREFIX}${target}_NOT_BUILT")
    file(WRITE "${file_base}.cmake"
      "if(EXISTS ${per_config})\n  include(${per_config})\nelseif(NOT _MM_GTEST_LIST_ONLY)\n  add_test(${not_built} ${not_built})\nendif()\n")
  else()
    file(GENERATE OUTPUT "${file_base}.cmake" CONTENT "${content}")
  endif()
  _mm_hook_directory()
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${file_base}.cmake")
  set_property(GLOBAL APPEND PROPERTY _MM_GTEST_FILES "${file_base}.cmake")
  # The planner finds the cases in the list the last discovery wrote. (Written here rather than
  # by _mm_add_need: quoted values may hold a ';'.)
  _mm_quote(subject "each test of '${target}' (mm_gtest_discover_tests)")
  _mm_quote(list_file "${file_base}_list.txt")
  _mm_quote(prefix "${arg_TEST_PREFIX}")
  _mm_quote(suffix "${arg_TEST_SUFFIX}")
  set_property(GLOBAL APPEND_STRING PROPERTY _MM_MANIFEST
    "_mm_need(${subject} ${_mm_memory_mib} 0 ${_mm_timeout_ceil} ${cpus} CASES ${list_file} ${prefix} ${suffix}${case_timeouts_manifest})\n")
endfunction()

# ---- mm_gtest_add_shards -------------------------------------------------------------------------

function(mm_gtest_add_shards target)
  _mm_constants()
  cmake_parse_arguments(PARSE_ARGV 1 arg
    "ALLOW_LEAKS;PIN_CPUS"
    "SHARDS;MEMORY;TIMEOUT;PROCESSORS;TEST_PREFIX;WORKING_DIRECTORY"
    "LABELS;EXTRA_ARGS;ENVIRONMENT;PROPERTIES;LAUNCHER_ARGS")
  set(caller "mm_gtest_add_shards(${target})")
  _mm_check_gtest_call("${caller}" "${target}" ${ARGC})
  if(NOT DEFINED arg_SHARDS)
    message(FATAL_ERROR "${caller}: SHARDS is required: how many CTest tests share the test cases")
  endif()
  string(LENGTH "${arg_SHARDS}" shards_length)
  if(NOT arg_SHARDS MATCHES "^0*[1-9][0-9]*$" OR shards_length GREATER 4)
    message(FATAL_ERROR "${caller}: SHARDS expects a count from 1 to 9999, got '${arg_SHARDS}'")
  endif()
  math(EXPR shards "${arg_SHARDS}")
  foreach(entry IN LISTS arg_ENVIRONMENT)
    if(entry MATCHES "^(GTEST_TOTAL_SHARDS|GTEST_SHARD_INDEX)=")
      message(FATAL_ERROR "${caller}: ENVIRONMENT may not set ${CMAKE_MATCH_1}: mm_gtest_add_shards sets it for each shard")
    endif()
  endforeach()

  # Every value is checked once here, so that a mistake names this call, not one of its shards.
  set(labels "${arg_LABELS}")
  list(REMOVE_DUPLICATES labels)
  _mm_resolve_limits("${caller}" "${arg_MEMORY}" "${arg_TIMEOUT}" "${labels}")
  _mm_check_processors("${caller}" cpus)
  _mm_check_pass_through("${caller}")
  if(";${arg_EXTRA_ARGS};" MATCHES ";[A-Z][A-Z_]+;")
    _mm_warn_keyword_like_arguments(mm_gtest_add_shards "${caller}" EXTRA_ARGS "${arg_EXTRA_ARGS}")
  endif()

  set(forwarded "")
  foreach(keyword MEMORY TIMEOUT PROCESSORS WORKING_DIRECTORY)
    if(DEFINED arg_${keyword})
      list(APPEND forwarded ${keyword} "${arg_${keyword}}")
    endif()
  endforeach()
  foreach(flag ALLOW_LEAKS PIN_CPUS)
    if(arg_${flag})
      list(APPEND forwarded ${flag})
    endif()
  endforeach()
  if(labels)
    list(APPEND forwarded LABELS ${labels})
  endif()
  # GoogleTest's own sharding: each process runs the cases whose index modulo the total is its own.
  math(EXPR last "${shards} - 1")
  foreach(index RANGE 0 ${last})
    math(EXPR number "${index} + 1")
    set(name "${arg_TEST_PREFIX}${target}.shard_${number}_of_${shards}")
    add_mm_test(NAME "${name}" COMMAND ${target} ${arg_EXTRA_ARGS}
      ${forwarded}
      ENVIRONMENT ${arg_ENVIRONMENT} "GTEST_TOTAL_SHARDS=${shards}" "GTEST_SHARD_INDEX=${index}"
      LAUNCHER_ARGS --gtest ${arg_LAUNCHER_ARGS})
    # One by one, as add_mm_test does: a list value stays one value.
    set(pairs "${arg_PROPERTIES}")
    while(pairs)
      list(POP_FRONT pairs property value)
      set_property(TEST "${name}" PROPERTY "${property}" "${value}")
    endwhile()
  endforeach()
endfunction()

cmake_policy(POP)
