# CTest properties, a project's own lower-case or far-off names: no warning.
add_mm_test(NAME t COMMAND prog PROPERTIES COST 2 RUN_SERIAL ON TIMEOUT_AFTER_MATCH "1;ready"
  my_tool_tag x MY_TEAM_OWNER alice DEPENDS other)
