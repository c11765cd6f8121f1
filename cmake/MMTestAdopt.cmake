# Distributed with mmtest.
#[=======================================================================[.rst:
MMTestAdopt
-----------

Runs the tests of any CTest project under mmtest without changing the project: give this file,
from an mmtest install or build tree, to the project's configure.

.. code-block:: sh

  cmake -S <project> -B build -DCMAKE_PROJECT_TOP_LEVEL_INCLUDES=<prefix>/lib/cmake/mmtest/MMTestAdopt.cmake
  cmake --build build
  ctest --test-dir build -j 8
  mmtest report build

CMake includes the file at the project's first ``project()`` call (``CMAKE_PROJECT_TOP_LEVEL_INCLUDES``,
CMake 3.24 and later; mmtest needs 3.25). It loads the ``mmtest`` package installed beside it
(the launcher, the ``mmtest`` tool and :module:`MMTest`'s commands) and then:

* ``add_test()``: every test's command runs under ``mmtest-run``, whatever it is: one of the
  project's executables (under its ``TEST_LAUNCHER`` and ``CROSSCOMPILING_EMULATOR``, as
  ``add_test`` would), a script, ``${CMAKE_COMMAND} -P``, ``ctest --build-and-test``. The
  launcher is told ``--options-from-environment``: when a directory's configure ends and the
  test's properties are final, its options (name, ``MEMORY``, ``TIMEOUT``, record file, labels,
  ``SKIP_RETURN_CODE``) go into its ``ENVIRONMENT`` as ``MMTEST_RUN_OPTIONS``, which the launcher
  reads and removes from what the test sees.
* Each test gets, as with :command:`add_mm_test`: a ``MEMORY`` (declared, else
  :variable:`MMTEST_DEFAULT_MEMORY`, else 256M, reported as not declared), a ``TIMEOUT`` (declared,
  else the test's own CTest ``TIMEOUT``, else the timeout of an mmtest label it carries, else
  :variable:`MMTEST_DEFAULT_TIMEOUT`, else 300 s; CTest's ``TIMEOUT`` becomes that plus 15 s so
  that the launcher reports first), mmtest's ``RESOURCE_GROUPS`` added to the test's own, a line
  in the manifest the ctest-time hook plans from, and a record in
  ``<build>/mmtest-results``, so that the memory and CPU budgets schedule the tests and
  ``mmtest report <build>`` works. ``WILL_FAIL``, the regular expressions (no measurement tags
  are printed for a test that has one), ``SKIP_RETURN_CODE``, fixtures, ``DISABLED``,
  ``WORKING_DIRECTORY``, ``ENVIRONMENT``, ``RUN_SERIAL``, ``COST`` and the rest stay as the project
  set them.
* ``gtest_discover_tests()`` calls become :command:`mm_gtest_discover_tests` calls (each case a
  test under the launcher, ``GTEST_SKIP()`` recorded as skipped), with their ``EXTRA_ARGS``,
  ``TEST_PREFIX``, ``TEST_SUFFIX``, ``WORKING_DIRECTORY``, ``DISCOVERY_TIMEOUT`` and ``PROPERTIES``
  (``LABELS``, ``TIMEOUT``, ``ENVIRONMENT``, ``WORKING_DIRECTORY`` and ``PROCESSORS`` become its
  keywords). A call with ``TEST_FILTER``, ``XML_OUTPUT_DIR``, an argument this CMake's GoogleTest
  has and mmtest does not, or a ``RESOURCE_GROUPS``, ``WILL_FAIL`` or ``SKIP_RETURN_CODE``
  property is left to GoogleTest and named. ``TEST_LIST``, ``DISCOVERY_MODE`` and
  ``NO_PRETTY_TYPES``/``NO_PRETTY_VALUES`` are ignored: cases are discovered when ctest starts,
  and parameterised cases keep GoogleTest's own names (``Values/ParamTest.Positive/0``).
  ``include(GoogleTest)`` finds mmtest's ``GoogleTest.cmake`` first on ``CMAKE_MODULE_PATH``
  (``<build>/mmtest/adopt-modules``); a project that sets ``CMAKE_MODULE_PATH`` anew bypasses it,
  which CMake 3.25 to 3.28 make up for (a watch on a variable their module sets) and later
  versions do not: the calls are then GoogleTest's and named.
* A project's own :command:`add_mm_test` and :command:`mm_gtest_discover_tests` tests are left as
  they are.
* What could not be supervised is named once, in one warning at the end of the configure and in
  ``<build>/mmtest/adopted.txt``, with the reason: tests added when ctest starts by another
  discovery (``catch_discover_tests``, a call left to GoogleTest), a test whose program is a bare
  name that is neither a target nor on ``PATH`` at the end, a test added before ``project()``.

A test whose program is an executable target defined after the test (``add_test(NAME t COMMAND
prog)`` before ``add_executable(prog ...)``) cannot be given a new command at the end: there the
launcher goes in front of the target as its ``TEST_LAUNCHER`` (CMake 3.29 and later) or its
``CROSSCOMPILING_EMULATOR`` (3.25 to 3.28; a custom command that runs the target under its
emulator then runs it through ``mmtest-run``, which finds no options and runs it unchanged).

Declarations
^^^^^^^^^^^^

The tests' ``MEMORY``, ``TIMEOUT``, ``PROCESSORS`` and extra ``LABELS`` come from the file
:variable:`MMTEST_CALIBRATION_FILE`, by default ``<build>/mmtest-calibration.cmake`` (none when it
does not exist): the file ``mmtest calibrate <build> --write <file>`` writes, or
:command:`mm_calibrated` lines written by hand, by name or by pattern:

.. code-block:: cmake

  mm_calibrated(order_book_replay MEMORY 2G TIMEOUT 600)
  mm_calibrated("integration.*" PROCESSORS 2 LABELS integration)
  mm_calibrated(unit_tests MEMORY 512M)   # every case of gtest_discover_tests(unit_tests)

The line of the exact name first, then the patterns in the order written: each value from the
first that gives it, the labels of all. A ``gtest_discover_tests(<target>)`` call takes the
declarations of ``<target>`` for all its cases.

Variables
^^^^^^^^^

The variables of :module:`MMTest` apply (``-DMMTEST_MEMORY_BUDGET=6G``,
``-DMMTEST_DEFAULT_MEMORY=512M``, ``-DMMTEST_DEFAULT_TIMEOUT=600``, ``-DMMTEST_CALIBRATION_FILE=...``).
``mmtest_DIR`` picks another mmtest package than the one beside this file.
#]=======================================================================]

include_guard(GLOBAL)
if(CMAKE_VERSION VERSION_LESS 3.25)
  message(FATAL_ERROR "MMTestAdopt.cmake: mmtest needs CMake 3.25 or later, this is ${CMAKE_VERSION}")
endif()
cmake_policy(PUSH)
cmake_policy(VERSION 3.25...3.31)

if(NOT CMAKE_CURRENT_SOURCE_DIR STREQUAL CMAKE_SOURCE_DIR OR DEFINED CMAKE_SCRIPT_MODE_FILE)
  message(FATAL_ERROR "MMTestAdopt.cmake: give it to the configure of the project's top-level "
    "directory, as -DCMAKE_PROJECT_TOP_LEVEL_INCLUDES=${CMAKE_CURRENT_LIST_FILE}; it was included from "
    "${CMAKE_CURRENT_SOURCE_DIR}")
endif()

# The package this file came with: the same install or build tree, so that the commands, the
# launcher and the tool are of one version.
if(NOT TARGET mmtest::run)
  find_package(mmtest CONFIG QUIET PATHS "${CMAKE_CURRENT_LIST_DIR}" NO_DEFAULT_PATH)
  if(NOT mmtest_FOUND)
    message(FATAL_ERROR "MMTestAdopt.cmake: no mmtest package (mmtestConfig.cmake) beside ${CMAKE_CURRENT_LIST_FILE}: "
      "use the file from an mmtest install (<prefix>/lib/cmake/mmtest/MMTestAdopt.cmake) or build directory, "
      "or set mmtest_DIR to the directory of mmtestConfig.cmake")
  endif()
endif()
if(NOT COMMAND add_mm_test)
  include("${CMAKE_CURRENT_LIST_DIR}/MMTest.cmake")
endif()
include("${CMAKE_CURRENT_LIST_DIR}/internal/Adopt.cmake")
_mm_adopt_start()

cmake_policy(POP)
