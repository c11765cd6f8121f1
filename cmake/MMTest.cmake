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
                [PROCESSORS <n> [FIXED_PROCESSORS]] [PIN_CPUS] [GPUS <n>] [WORKING_DIRECTORY <dir>]
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
    most 2^31 MiB. Default: the variable :variable:`MMTEST_DEFAULT_MEMORY`, else ``256M``. With
    a default the launcher also gets ``--memory-default``: reports list the test as not
    declared rather than oversized.

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
    The CPUs the test keeps busy, as declared: a count or one decimal for part of a CPU (``0.5``,
    ``1.5``; at most 999999). Its CTest ``RESOURCE_GROUPS`` hold that many tenths of the
    ``mmtest_cpus`` ids (ten slots a CPU), so that CTest never runs more CPU demand than the CPU
    budget (see `How scheduling works`_); CTest ``PROCESSORS`` is it rounded up. Default 1. From
    the test's second run on, the ctest-time hook holds the demand learned from its last runs
    instead, unless ``FIXED_PROCESSORS``, ``PIN_CPUS``, the label ``performance`` or
    ``MMTEST_LEARN_CPU=OFF``.

  ``FIXED_PROCESSORS``
    With ``PROCESSORS``: hold the declaration on every run, never the learned demand.

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
    take it as a property of that name. A ``SKIP_RETURN_CODE`` (1 to 255, not the launcher's own
    121 to 127) is passed to the launcher as ``--skip-code`` too, so that the record says
    ``skipped`` exactly when CTest does.

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

    mm_calibrated(<name> [MEMORY <size>] [TIMEOUT <seconds>] [PROCESSORS <cpus>])

  One line of a calibration file, as ``mmtest calibrate --write`` writes it: the test
  ``<name>`` gets this ``MEMORY`` and ``TIMEOUT`` in place of those its :command:`add_mm_test`
  call gives or defaults to (unless that call says ``NO_CALIBRATION``), and this ``PROCESSORS``
  unless the call gives ``PROCESSORS`` itself, has ``PIN_CPUS`` or the label ``performance``.
  ``<size>``, ``<seconds>`` and ``<cpus>`` (``2``, ``0.3``) as for :command:`add_mm_test`. Only
  the file named by
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
                            [PROCESSORS <n> [FIXED_PROCESSORS]] [PIN_CPUS] [ALLOW_LEAKS] [LAUNCHER_ARGS <option>...]
                            [CASE_TIMEOUTS <pattern> <seconds>...]
                            [DISCOVERY_TIMEOUT <seconds>] [PROPERTIES <name> <value>...])

  Makes every test case of the GoogleTest executable ``<target>`` its own CTest test
  ``<prefix><Suite>.<Case><suffix>``, run under ``mmtest-run`` as by :command:`add_mm_test` with
  ``--gtest_filter=<Suite>.<Case>`` and ``<arg>...``. ``MEMORY``, ``TIMEOUT``, ``LABELS``,
  ``PROCESSORS`` and ``PIN_CPUS`` apply to each test case, with the same defaults. Disabled tests
  (``DISABLED_``) are added with CTest's ``DISABLED`` property. Each test runs under
  ``mmtest-run --gtest --skip-code=77`` with ``SKIP_RETURN_CODE 77``: a case that calls
  ``GTEST_SKIP()`` shows as Skipped in CTest and is recorded with the outcome ``skipped`` (unless
  ``GTEST_OUTPUT`` is set in its environment: the launcher then leaves it alone). A skip is told
  by exit code, never by the output: a case over its ``MEMORY`` fails even if it skipped. Mistakes get the same errors and hints as with
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
                        [PROCESSORS <n> [FIXED_PROCESSORS]] [PIN_CPUS] [EXTRA_ARGS <arg>...] [TEST_PREFIX <prefix>]
                        [WORKING_DIRECTORY <dir>] [ENVIRONMENT <VAR>=<value>...]
                        [ALLOW_LEAKS] [LAUNCHER_ARGS <option>...] [PROPERTIES <name> <value>...])

  Splits the test cases of the GoogleTest executable ``<target>`` over ``<n>`` CTest tests
  ``<prefix><target>.shard_<i>_of_<n>`` (``<i>`` from 1), each one process under ``mmtest-run``
  with GoogleTest's own sharding (``GTEST_TOTAL_SHARDS``, ``GTEST_SHARD_INDEX``): every case runs
  in exactly one shard. For binaries with thousands of fast cases, where a process per case
  costs more than the cases. ``MEMORY`` and ``TIMEOUT`` are each shard's, not each case's; the
  other keywords are as for :command:`add_mm_test`. ``SHARDS`` is required, 1 to 9999. A shard in
  which every case that ran called ``GTEST_SKIP()`` is recorded as ``skipped`` and shown Skipped.

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

.. variable:: MMTEST_LEARN_CPU

  Cache variable (``BOOL``, default ``ON``): from a test's second run on, hold the CPUs it was
  seen to use on its last runs rather than its ``PROCESSORS``. ``OFF``: every test as declared.
  The environment variable of the same name (``0``/``OFF``, ``1``/``ON``), read when ``ctest``
  starts, wins over it.

.. variable:: MMTEST_CPU_OVERCOMMIT

  Cache variable (default ``30``): per cent of a CPU that tests holding fractions of a CPU (a
  test learned at 1.6 CPUs, ``PROCESSORS 0.5``) may add on each CPU of the resource spec: ``0``,
  ``10``, ``20`` or ``30``. Whole CPUs are never shared, so a suite of one-CPU tests runs as
  strictly with it as without; at ``30`` every test still gets over 77 % of what it holds. The
  environment variable of the same name, read when ``ctest`` starts, wins over it. Another value
  fails the configure (or ``ctest``) with the value named.

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
``PROCESSORS`` tenths of a CPU of the resource ``mmtest_cpus`` (whole CPUs as whole ids), or,
once it has run, the CPUs it was seen to use (none for a test seen to wait: a slot of the resource
``mmtest_idle`` instead). Every directory with such tests includes a
small hook in its ``CTestTestfile.cmake``; when ``ctest`` starts, the hook measures the memory
and CPU budgets, writes ``<build>/mmtest/resource-spec.json`` with that many MiB slots and one
id of ten slots per CPU, and sets ``CTEST_RESOURCE_SPEC_FILE``. CTest then never runs tests together whose
MEMORY adds up to more than the memory budget, or whose PROCESSORS add up to more than the CPU
budget, whatever ``-j`` says. A test that needs more than a whole budget gets a line
``mmtest: test '<name>' needs ...`` before the run and is reported by CTest as Not Run.
``ctest --resource-spec-file <file>`` replaces the generated spec; the hook then plans against
that file's ``mmtest_memory_mib`` and ``mmtest_cpus``, names what cannot fit it, and copies it to
``<build>/mmtest/resource-spec.json`` for ``mmtest report`` and ``mmtest shard``.
#]=======================================================================]

include_guard(GLOBAL)
cmake_policy(PUSH)
cmake_policy(VERSION 3.25...3.31)

# The commands above live in internal/, one file per concern; this file documents them and
# loads them, each after what it uses when loaded (Labels registers the built-in labels, Hook
# checks the budget cache variables). internal/ sits beside this file in the source tree, the
# build tree and an install alike (cmake/Install.cmake copies it).
set(_mm_internal "${CMAKE_CURRENT_LIST_DIR}/internal")
include("${_mm_internal}/Defaults.cmake")     # built-in MEMORY, TIMEOUT, label timeouts, grace
include("${_mm_internal}/Units.cmake")        # the size and seconds grammar: 512M, 2G, 1.5GiB, 2.5 s
include("${_mm_internal}/Names.cmake")        # cost-file names, disabled cases, CASE_TIMEOUTS globs
include("${_mm_internal}/Quote.cmake")        # values written into generated code
include("${_mm_internal}/Records.cmake")      # where the result records go
include("${_mm_internal}/Resources.cmake")    # a test's RESOURCE_GROUPS
include("${_mm_internal}/Hints.cmake")        # "looks like a misspelling of ..."
include("${_mm_internal}/Limits.cmake")       # MEMORY, TIMEOUT, the launcher; argument checks
include("${_mm_internal}/Labels.cmake")       # mm_register_labels(), the built-in labels
include("${_mm_internal}/Command.cmake")      # mmtest-run and its options, wrappers, words
include("${_mm_internal}/Hook.cmake")         # the ctest-time hook, the manifest, budget variables
include("${_mm_internal}/Calibration.cmake")  # MMTEST_CALIBRATION_FILE, mm_calibrated()
include("${_mm_internal}/AddTest.cmake")      # add_mm_test()
include("${_mm_internal}/GTest.cmake")        # mm_gtest_discover_tests(), mm_gtest_add_shards()
unset(_mm_internal)

# _mm_constants(): every constant of the commands, set in the caller's scope. A macro, called first
# by the commands that check their arguments: the commands are global, but a variable set when
# these files are included would only be seen by the directory that included them.
macro(_mm_constants)
  _mm_defaults()
  _mm_check_constants()
  _mm_hint_constants()
endmacro()

cmake_policy(POP)
