# Distributed with mmtest. Private part of MMTest.cmake: the built-in defaults, in one place.
#
# MMTest.cmake's commands read them through _mm_defaults(); the generated MMTestOptional.cmake
# gets them written in (WriteOptional.cmake), so that a project without mmtest gives its plain
# CTest tests the same timeouts. The reference documentation at the top of MMTest.cmake quotes
# them; tests/cmake/check-defaults.cmake keeps the quotes equal to these values.

include_guard(GLOBAL)

# A macro, called first by the commands that need the defaults: the commands are global, but a
# variable set when this file is included would only be seen by the directory that included it.
macro(_mm_defaults)
  # MEMORY of a test without one, when the project sets no MMTEST_DEFAULT_MEMORY: enough for C++
  # unit tests with sanitizers, small enough that a 4 GiB CI runner still runs a dozen at once.
  set(_MM_BUILTIN_MEMORY 256M)
  # TIMEOUT of a test with neither TIMEOUT nor a label that has one, without MMTEST_DEFAULT_TIMEOUT.
  set(_MM_BUILTIN_TIMEOUT_SECONDS 300)
  # The built-in labels and their default timeouts in seconds, as <label> <seconds> pairs. The
  # order is the one the documentation and the unknown-label error list them in.
  set(_MM_BUILTIN_LABEL_TIMEOUTS
    unit 60
    integration 300
    performance 900
    slow 1800
    soak 7200
    chaos 900
    operational 900)
  # mmtest-run --grace: how long the launcher waits after SIGTERM before SIGKILL.
  set(_MM_GRACE_SECONDS 5)
  # CTest's own TIMEOUT of a test = its launcher timeout + the grace + this margin, so that the
  # launcher always stops the test and reports first.
  set(_MM_CTEST_MARGIN_SECONDS 10)
  # mm_gtest_discover_tests' DISCOVERY_TIMEOUT: the most --gtest_list_tests may take.
  set(_MM_DISCOVERY_TIMEOUT_SECONDS 5)
endmacro()
