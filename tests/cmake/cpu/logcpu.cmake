# The test program of the CPU fixture: burns MS ms of CPU time with the helper program, then writes
# one line "<name> <start µs> <end µs>" to LOG. Times are wall-clock microseconds since the epoch.
string(TIMESTAMP start_us "%s%f" UTC)
execute_process(COMMAND "${HELPER}" cpu --ms "${MS}" RESULT_VARIABLE rc)
string(TIMESTAMP end_us "%s%f" UTC)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${HELPER} cpu --ms ${MS} failed: ${rc}")
endif()
file(WRITE "${LOG}" "${NAME} ${start_us} ${end_us}\n")
