# Distributed with mmtest. Private part of MMTest.cmake and MMTestGTest.cmake: the CTest
# RESOURCE_GROUPS a test asks for, computed at configure time for add_mm_test and when ctest runs
# for each GoogleTest case, by the same function. The resource names are defined here once, for
# these requests (the spec is written and read by `mmtest plan`, with the C++ side's names:
# harness/record/include/mmtest/record/environment.hpp). tests/conformance/names.txt holds them
# too; both sides are tested against it (tests/cmake/check-conformance.cmake,
# tests/unit/conformance_test.cpp).

include_guard(GLOBAL)

# _mm_resource_names(): the CTest resource types, in the caller's scope, as _MM_<KIND>_RESOURCE
# (names.txt's "resource" rows name each <kind>). Memory: one slot per MiB; CPUs: one id of ten
# slots per CPU, a slot a tenth of a CPU (record::kCpuSlotsPerCpu); idle: the pool a test learned
# to leave its CPU idle holds a slot of instead of a CPU (only `mmtest plan` gives such groups);
# GPUs: one id of one slot per GPU, under the name CTest's own documentation uses.
macro(_mm_resource_names)
  set(_MM_MEMORY_RESOURCE mmtest_memory_mib)
  set(_MM_CPU_RESOURCE mmtest_cpus)
  set(_MM_IDLE_RESOURCE mmtest_idle)
  set(_MM_GPU_RESOURCE gpus)
endmacro()

# _mm_cpu_groups(<out> <tenths>): the RESOURCE_GROUPS entries that hold <tenths> of a CPU: a
# whole CPU id (all ten of its slots) per whole CPU, so that whole CPUs are distinct ids (a
# performance test is pinned to them), then a group of the tenths left over. What mmtest::plan's
# cpu_groups() writes for the learned demand at ctest time: tests/conformance/units.txt
# ("processors" rows) holds the cases both answer.
function(_mm_cpu_groups out tenths)
  _mm_resource_names()
  math(EXPR whole "${tenths} / 10")
  math(EXPR rest "${tenths} % 10")
  set(groups "")
  if(whole EQUAL 1)
    list(APPEND groups "${_MM_CPU_RESOURCE}:10")
  elseif(whole GREATER 1)
    list(APPEND groups "${whole},${_MM_CPU_RESOURCE}:10")
  endif()
  if(rest GREATER 0)
    list(APPEND groups "${_MM_CPU_RESOURCE}:${rest}")
  endif()
  set(${out} "${groups}" PARENT_SCOPE)
endfunction()

# _mm_resource_groups(<out> <memory_mib> <cpus> <gpus>): a test's RESOURCE_GROUPS, as a list: its
# MiB of the memory pool, its CPUs (a count, or with one decimal: _mm_cpu_groups) and each GPU as
# a group of one slot of its own, so that CTest hands out distinct GPU ids. On the first run this
# is what a test holds; later the ctest-time hook may replace the CPU groups with the demand it
# learned (MMTestRuntime.cmake).
function(_mm_resource_groups out memory_mib cpus gpus)
  _mm_resource_names()
  set(groups "${_MM_MEMORY_RESOURCE}:${memory_mib}")
  _mm_cpu_tenths("${cpus}" tenths error)
  if(error)
    message(FATAL_ERROR "mmtest: internal: CPUs '${cpus}' ${error}")
  endif()
  _mm_cpu_groups(cpu_groups "${tenths}")
  list(APPEND groups ${cpu_groups})
  if(gpus GREATER 0)
    list(APPEND groups "${gpus},${_MM_GPU_RESOURCE}:1")
  endif()
  set(${out} "${groups}" PARENT_SCOPE)
endfunction()
