# The test program of the CPU-demand fixture: runs the helper with ARGS (comma-separated), then
# writes one line "<name> <start µs> <end µs>" to LOG: wall-clock microseconds since the epoch.
string(REPLACE "," ";" args "${ARGS}")
string(TIMESTAMP start_us "%s%f" UTC)
execute_process(COMMAND "${HELPER}" ${args} RESULT_VARIABLE rc)
string(TIMESTAMP end_us "%s%f" UTC)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${HELPER} ${args} failed: ${rc}")
endif()
file(WRITE "${LOG}" "${NAME} ${start_us} ${end_us}\n")
