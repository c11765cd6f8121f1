# Distributed with mmtest. Private part of MMTest.cmake and MMTestGTest.cmake: the CTest
# RESOURCE_GROUPS a test asks for, computed at configure time for add_mm_test and when ctest runs
# for each GoogleTest case, by the same function. The resource names are defined here once, for
# these requests (the spec is written and read by `mmtest plan`, with the C++ side's names:
# harness/record/include/mmtest/record/environment.hpp). tests/conformance/names.txt holds them
# too; both sides are tested against it (tests/cmake/check-conformance.cmake,
# tests/unit/conformance_test.cpp).

include_guard(GLOBAL)

# _mm_resource_names(): the CTest resource types, in the caller's scope, as _MM_<KIND>_RESOURCE
# (names.txt's "resource" rows name each <kind>). Memory: one slot per MiB; CPUs: one id of one
# slot per CPU; GPUs: one id of one slot per GPU, under the name CTest's own documentation uses.
macro(_mm_resource_names)
  set(_MM_MEMORY_RESOURCE mmtest_memory_mib)
  set(_MM_CPU_RESOURCE mmtest_cpus)
  set(_MM_GPU_RESOURCE gpus)
endmacro()

# _mm_resource_groups(<out> <memory_mib> <cpus> <gpus>): a test's RESOURCE_GROUPS, as a list:
# its MiB of the memory pool, and each CPU and GPU as a group of one slot of its own, so that
# CTest hands out distinct CPU and GPU ids.
function(_mm_resource_groups out memory_mib cpus gpus)
  _mm_resource_names()
  set(groups "${_MM_MEMORY_RESOURCE}:${memory_mib}")
  if(cpus EQUAL 1)
    list(APPEND groups "${_MM_CPU_RESOURCE}:1")
  else()
    list(APPEND groups "${cpus},${_MM_CPU_RESOURCE}:1")
  endif()
  if(gpus GREATER 0)
    list(APPEND groups "${gpus},${_MM_GPU_RESOURCE}:1")
  endif()
  set(${out} "${groups}" PARENT_SCOPE)
endfunction()
