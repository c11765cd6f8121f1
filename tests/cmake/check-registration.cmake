# cmake -P driver: configures registration/, reads what add_mm_test() registered through
# `ctest --show-only=json-v1`, then runs the tests under the real launcher and checks that the
# odd names survive into the result records.
#   -DMMTEST_MODULE=<MMTest.cmake> -DMMTEST_RUN=<mmtest-run> -DWORK=<dir> -DGENERATOR=<generator>
cmake_minimum_required(VERSION 3.25)
include("${CMAKE_CURRENT_LIST_DIR}/support.cmake")
include("${CMAKE_CURRENT_LIST_DIR}/../../cmake/internal/Records.cmake")  # _mm_result_file
file(REMOVE_RECURSE "${WORK}")
mm_test_run(configure COMMAND ${CMAKE_COMMAND} -S "${CMAKE_CURRENT_LIST_DIR}/registration" -B "${WORK}"
  -G "${GENERATOR}" "-DMMTEST_MODULE=${MMTEST_MODULE}" "-DMMTEST_RUN=${MMTEST_RUN}")
mm_test_run(show COMMAND ${CMAKE_CTEST_COMMAND} --test-dir "${WORK}" --show-only=json-v1)
set(json "${show_out}")

# describe(<index> <out>): "key=value" lines for a test: argv (joined by '|'), then its
# properties, list values joined by ',' and resource groups as "type:slots".
function(describe index out)
  string(JSON command GET "${json}" tests ${index} command)
  string(JSON argc LENGTH "${command}")
  math(EXPR argc_last "${argc} - 1")
  set(argv "")
  foreach(i RANGE 1 ${argc_last})
    string(JSON word GET "${command}" ${i})
    string(APPEND argv "|${word}")
  endforeach()
  set(text "argv=${argv}\n")
  string(JSON props GET "${json}" tests ${index} properties)
  string(JSON prop_count LENGTH "${props}")
  math(EXPR prop_last "${prop_count} - 1")
  foreach(p RANGE 0 ${prop_last})
    string(JSON prop_name GET "${props}" ${p} name)
    string(JSON type TYPE "${props}" ${p} value)
    if(prop_name STREQUAL "RESOURCE_GROUPS")
      string(JSON test_name GET "${json}" tests ${index} name)
      mm_test_resource_groups("${json}" "${test_name}" value)
      list(JOIN value " " value)
    elseif(type STREQUAL "ARRAY")
      set(value "")
      string(JSON n LENGTH "${props}" ${p} value)
      math(EXPR n_last "${n} - 1")
      foreach(k RANGE 0 ${n_last})
        string(JSON item GET "${props}" ${p} value ${k})
        string(APPEND value ",${item}")
      endforeach()
      string(SUBSTRING "${value}" 1 -1 value)
    else()
      string(JSON value GET "${props}" ${p} value)
      string(REGEX REPLACE "^([0-9]+)\\.0$" "\\1" value "${value}")
    endif()
    string(APPEND text "${prop_name}=${value}\n")
  endforeach()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# expect_none(<test name> <regex>): no line of the test's description matches.
function(expect_none name regex)
  mm_test_index("${json}" "${name}" i)
  describe(${i} text)
  if(text MATCHES "(^|\n)${regex}(\n|$)")
    message(FATAL_ERROR "test '${name}': expected no line matching\n  ${regex}\nin:\n${text}")
  endif()
endfunction()

# expect(<test name> <regex>...): each regex must match one line of the test's description.
function(expect name)
  mm_test_index("${json}" "${name}" i)
  describe(${i} text)
  foreach(regex IN LISTS ARGN)
    if(NOT text MATCHES "(^|\n)${regex}(\n|$)")
      message(FATAL_ERROR "test '${name}': expected a line matching\n  ${regex}\nin:\n${text}")
    endif()
  endforeach()
endfunction()

set(results "${WORK}/mmtest-results")
expect(defaults
  "argv=\\|--name=defaults\\|--memory=256M\\|--timeout=300\\|--grace=5\\|--result=${results}/defaults.json\\|--measurements\\|--memory-default\\|--\\|${CMAKE_COMMAND}\\|-E\\|echo\\|defaults"
  "RESOURCE_GROUPS=mmtest_memory_mib:256 mmtest_cpus:10" "TIMEOUT=315")
expect(unit_label "argv=.*--timeout=60\\|.*--measurements\\|--labels=unit\\|--memory-default\\|--\\|.*" "TIMEOUT=75" "LABELS=unit")
# No COST: CTest then takes each test's cost from its cost file, where the hook writes the plan
# (check-schedule.cmake). A COST given in PROPERTIES is kept (explicit, below).
expect_none(defaults "COST=.*")
expect_none(unit_label "COST=.*")
expect(two_labels "argv=.*--timeout=1800\\|.*--measurements\\|--labels=unit,slow\\|--memory-default\\|--\\|.*" "TIMEOUT=1815" "LABELS=slow,unit")
expect(explicit
  "argv=.*--memory=1.5GiB\\|--timeout=2.5\\|--grace=5\\|--result=[^|]*\\|--measurements\\|--labels=integration\\|--allow-leaks\\|--max-processes\\|8\\|--\\|.*"
  "RESOURCE_GROUPS=mmtest_memory_mib:1536 mmtest_cpus:10 mmtest_cpus:10" "TIMEOUT=18" "COST=7" "PROCESSORS=2"
  "ENVIRONMENT=A=1,B=two words" "FIXTURES_REQUIRED=fa,fb" "LABELS=integration"
  "WORKING_DIRECTORY=${CMAKE_CURRENT_LIST_DIR}/registration")
# Performance tests run alone and on the CPU CTest gives them; PIN_CPUS asks for that too.
expect(perf "argv=.*--grace=5\\|--result=[^|]*\\|--measurements\\|--labels=performance\\|--memory-default\\|--pin-cpus\\|--\\|.*" "RUN_SERIAL=(ON|TRUE|true)" "TIMEOUT=915"
  "LABELS=performance")
expect(pinned "argv=.*--result=[^|]*\\|--measurements\\|--memory-default\\|--allow-leaks\\|--pin-cpus\\|--\\|.*" "RESOURCE_GROUPS=mmtest_memory_mib:256 mmtest_cpus:10")
expect_none(pinned "RUN_SERIAL=.*")
expect_none(defaults "argv=.*--pin-cpus.*")
expect_none(pinned_not "argv=.*--(pin-cpus|allow-leaks).*")
expect(gpu "RESOURCE_GROUPS=mmtest_memory_mib:256 mmtest_cpus:10 gpus:1 gpus:1")
# Half a CPU, declared mmtest_cpus:5; the hook of this very ctest splits it in groups of at most
# the overcommit (30 % by default), so that it fits beside whole CPUs. The fixed one is not split.
expect(half_cpu "RESOURCE_GROUPS=mmtest_memory_mib:256 mmtest_cpus:3 mmtest_cpus:2")
expect(one_and_a_half "RESOURCE_GROUPS=mmtest_memory_mib:256 mmtest_cpus:10 mmtest_cpus:5" "PROCESSORS=2")
# The manifest carries the demand as declared, and whether it is fixed.
file(READ "${WORK}/mmtest/manifest.cmake" manifest)
foreach(line IN ITEMS "_mm_need(\"test 'half_cpu'\" 256 0 300 0.5)"
    "_mm_need(\"test 'one_and_a_half'\" 256 0 300 1.5 FIXED)" "_mm_need(\"test 'perf'\" 256 0 900 1 FIXED)"
    "_mm_need(\"test 'perf_again'\" 256 0 900 1 FIXED)" "_mm_need(\"test 'pinned'\" 256 0 300 1 FIXED)"
    "_mm_need(\"test 'defaults'\" 256 0 300 1)")
  string(FIND "${manifest}" "${line}\n" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the manifest lacks the line\n  ${line}\nin:\n${manifest}")
  endif()
endforeach()
expect(inverted "WILL_FAIL=(ON|TRUE|true)")
# (json-v1 shows the argument "a;b" split in two; the run below proves it arrives whole.)
expect(keyword_args "argv=.*\\|--\\|${CMAKE_COMMAND}\\|-E\\|echo\\|\\|a.b\\|CONFIGURATIONS")
expect(keyword_like_word "argv=.*--memory=256M\\|.*\\|--\\|${CMAKE_COMMAND}\\|-E\\|echo\\|MEMROY\\|1G")
mm_test_expect("${configure_err}" "add_mm_test\\(keyword_like_word\\): COMMAND argument 'MEMROY' looks like" "warning")
mm_test_expect_not("${configure_err}" "add_mm_test\\(keyword_like_genex\\)" "no warning")
expect(custom_label "argv=.*--timeout=4000\\|.*" "LABELS=nightly,unit")
expect(unit_label "TIMEOUT=75") # registered before mm_register_labels(unit TIMEOUT 30)
expect(tag_only "argv=.*--timeout=300\\|.*" "LABELS=tagonly")
expect(project_defaults "argv=.*--memory=64M\\|--timeout=42\\|.*" "RESOURCE_GROUPS=mmtest_memory_mib:64 mmtest_cpus:10")

# The fast path registers exactly what the general path did for the same shape, and is taken:
# its add_test() is on another line of cmake/internal/AddTest.cmake (json-v1's backtrace of each test).
function(add_test_line name out)
  mm_test_index("${json}" "${name}" i)
  string(JSON node GET "${json}" tests ${i} backtrace)
  string(JSON line GET "${json}" backtraceGraph nodes ${node} line)
  set(${out} "${line}" PARENT_SCOPE)
endfunction()
foreach(name defaults unit_label two_labels perf project_defaults)
  mm_test_index("${json}" ${name} general_index)
  mm_test_index("${json}" ${name}_again fast_index)
  describe(${general_index} general)
  describe(${fast_index} fast)
  string(REPLACE "${name}_again" "${name}" fast "${fast}")
  if(NOT fast STREQUAL general)
    message(FATAL_ERROR "fast path: ${name}_again registered\n${fast}\nbut ${name}\n${general}")
  endif()
  add_test_line(${name} general_line)
  add_test_line(${name}_again fast_line)
  if(general_line EQUAL fast_line)
    message(FATAL_ERROR "${name}_again was not registered by the fast path (add_test at line ${fast_line} both times)")
  endif()
endforeach()
expect(unit_label_later "argv=.*--timeout=30\\|.*" "TIMEOUT=45" "LABELS=unit")
expect(defaults_after_unset "argv=.*--memory=256M\\|--timeout=300\\|.*" "TIMEOUT=315")

set(odd_names "with space" "semi\;colon" "quote\"d" "br[ack]ets" "dollar$HOME" "genex$<1:x>" "ünïcødé ✓" "-dash" "back\\slash"
  "at@PROJECT_NAME@sign")
foreach(name IN LISTS odd_names)
  expect("${name}" "RESOURCE_GROUPS=mmtest_memory_mib:64 mmtest_cpus:10" "TIMEOUT=45" "LABELS=unit")
  # CTest's cost file splits its lines at spaces: a name with one gets its COST (MiB x timeout)
  # at configure time instead.
  if(name MATCHES " ")
    expect("${name}" "COST=1920")
  else()
    expect_none("${name}" "COST=.*")
  endif()
endforeach()

# The manifest the planner reads holds the names as written (@VAR@ and $ are not expanded).
file(READ "${WORK}/mmtest/manifest.cmake" manifest_text)
foreach(line "_mm_need(\"test 'at@PROJECT_NAME@sign'\" 64 " "_mm_need(\"test 'dollar\\$HOME'\" 64 ")
  string(FIND "${manifest_text}" "${line}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the manifest lacks '${line}':\n${manifest_text}")
  endif()
endforeach()

# Run everything that can run here; the GPU test only with GPUs declared.
mm_test_run(run COMMAND ${CMAKE_CTEST_COMMAND} --test-dir "${WORK}" -j4 -E "^gpu$" --output-on-failure -T Test)
# The launcher's measurements (printed on stderr) reach CTest's Test.xml.
file(GLOB test_xml "${WORK}/Testing/*/Test.xml")
if(NOT test_xml)
  message(FATAL_ERROR "ctest -T Test wrote no Test.xml:\n${run_out}")
endif()
file(READ "${test_xml}" test_xml_text)
foreach(measurement peak_memory_mib cpu_seconds)
  if(NOT test_xml_text MATCHES "<NamedMeasurement type=\"numeric/double\" name=\"${measurement}\">")
    message(FATAL_ERROR "no ${measurement} measurement in ${test_xml}")
  endif()
endforeach()
foreach(name keyword_args keyword_like_genex)
  mm_test_expect("${run_out}" "Test +#[0-9]+: ${name} \\.+ +Passed" "ctest output for ${name}")
endforeach()
foreach(name IN LISTS odd_names)
  _mm_result_file(record "${results}" "${name}")
  if(NOT EXISTS "${record}")
    message(FATAL_ERROR "test '${name}': no result record at ${record}")
  endif()
  file(READ "${record}" record_json)
  string(JSON record_name GET "${record_json}" name)
  string(JSON outcome GET "${record_json}" outcome)
  if(NOT record_name STREQUAL name OR NOT outcome STREQUAL "passed")
    message(FATAL_ERROR "record ${record}: name '${record_name}' outcome '${outcome}', expected '${name}' passed")
  endif()
  mm_test_regex_escape(name_regex "${name}")
  mm_test_expect("${run_out}" "Test +#[0-9]+: ${name_regex} \\.+ +Passed" "ctest output for '${name}'")
endforeach()

# No GPU here: the test is named with its need and reported Not Run, not silently skipped.
mm_test_run(nogpu EXPECT_FAILURE ENV MMTEST_GPUS=0 COMMAND ${CMAKE_CTEST_COMMAND} --test-dir "${WORK}" -R "^gpu$")
mm_test_expect("${nogpu_err}" "mmtest: test 'gpu' needs 2 GPU\\(s\\) but 0 were found" "no-GPU run")
mm_test_expect("${nogpu_out}" "gpu \\.+\\*+Not Run" "no-GPU run")
# Two GPUs declared: the spec lists them and the test runs.
mm_test_run(gpus ENV MMTEST_GPUS=2 COMMAND ${CMAKE_CTEST_COMMAND} --test-dir "${WORK}" -R "^gpu$")
mm_test_expect("${gpus_err}" "2 GPU\\(s\\); resource spec" "two-GPU run")
