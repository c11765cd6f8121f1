# Distributed with mmtest. Private part of MMTest.cmake and MMTestGTest.cmake: the CTest
# RESOURCE_GROUPS a test asks for, computed at configure time for add_mm_test and when ctest runs
# for each GoogleTest case, by the same function. The resource names are those of the spec that
# MMTestRuntime.cmake writes.

include_guard(GLOBAL)

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
