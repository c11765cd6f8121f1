# The test program of the schedule fixture: sleeps SECONDS, then writes one line
# "<name> <MiB> <start µs> <end µs>" to LOG. Times are wall-clock microseconds since the epoch.
string(TIMESTAMP start_us "%s%f" UTC)
execute_process(COMMAND "${CMAKE_COMMAND}" -E sleep "${SECONDS}")
string(TIMESTAMP end_us "%s%f" UTC)
file(WRITE "${LOG}" "${NAME} ${MIB} ${start_us} ${end_us}\n")
