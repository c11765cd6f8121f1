# Install rules and the package config: `find_package(mmtest CONFIG)` from an install prefix or
# from this build tree gives the mmtest:: targets and add_mm_test() & co. with nothing else to
# include. The install is relocatable: every path in it is relative to where it lands.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

option(MMTEST_INSTALL "Add mmtest's install rules (off by default when mmtest is a subproject)"
  ${PROJECT_IS_TOP_LEVEL})
if(NOT MMTEST_INSTALL)
  return()
endif()

set(MMTEST_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/mmtest" CACHE STRING
  "Where mmtestConfig.cmake and the CMake modules are installed, relative to the prefix")
set(mmtest_modules
  "${PROJECT_SOURCE_DIR}/cmake/MMTest.cmake"
  "${PROJECT_SOURCE_DIR}/cmake/MMTestRuntime.cmake"
  "${PROJECT_SOURCE_DIR}/cmake/MMTestGTest.cmake"
  # Not included by the package: there to be copied into projects that adopt mmtest optionally.
  "${PROJECT_SOURCE_DIR}/cmake/MMTestOptional.cmake"
  # Not included by the package: given to an unmodified project's configure
  # (-DCMAKE_PROJECT_TOP_LEVEL_INCLUDES=<this directory>/MMTestAdopt.cmake), it loads the package.
  "${PROJECT_SOURCE_DIR}/cmake/MMTestAdopt.cmake")
# The private parts the three modules above include, from internal/ beside them: the same
# relative place in the source tree, the build tree and the install.
set(mmtest_internal_modules "")
foreach(part IN ITEMS Defaults Units Names Quote Records Resources Hints Limits Labels Command Hook
    Calibration AddTest GTest LearnedCpus Adopt)
  list(APPEND mmtest_internal_modules "${PROJECT_SOURCE_DIR}/cmake/internal/${part}.cmake")
endforeach()

# ---- Install tree --------------------------------------------------------------------------------
install(TARGETS mmtest_run mmtest_tool EXPORT mmtestTargets RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(EXPORT mmtestTargets NAMESPACE mmtest:: DESTINATION "${MMTEST_INSTALL_CMAKEDIR}")
# The components, each in its own export set so that the package loads (and finds the
# dependencies of) only what find_package(mmtest COMPONENTS ...) asks for.
set(mmtest_component_exports "")
if(MMTEST_WITH_GTEST)
  install(TARGETS mmtest_metrics EXPORT mmtestMetricsTargets
    LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
  install(TARGETS mmtest_gtest mmtest_gtest_main EXPORT mmtestGTestTargets
    ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
  install(DIRECTORY "${PROJECT_SOURCE_DIR}/harness/metrics/include/" "${PROJECT_SOURCE_DIR}/harness/gtest/include/"
    DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
  set(mmtest_component_exports mmtestMetricsTargets mmtestGTestTargets)
endif()
foreach(export_set IN LISTS mmtest_component_exports)
  install(EXPORT ${export_set} NAMESPACE mmtest:: DESTINATION "${MMTEST_INSTALL_CMAKEDIR}")
endforeach()
configure_package_config_file(cmake/mmtestConfig.cmake.in
  "${PROJECT_BINARY_DIR}/mmtest-package/mmtestConfig.cmake"
  INSTALL_DESTINATION "${MMTEST_INSTALL_CMAKEDIR}")
# 0.x: a minor version may break the API, so only the same minor is compatible.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/mmtest-package/mmtestConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/mmtest-package/mmtestConfig.cmake"
  "${PROJECT_BINARY_DIR}/mmtest-package/mmtestConfigVersion.cmake"
  ${mmtest_modules}
  DESTINATION "${MMTEST_INSTALL_CMAKEDIR}")
install(FILES ${mmtest_internal_modules} DESTINATION "${MMTEST_INSTALL_CMAKEDIR}/internal")

# ---- Build tree: find_package(mmtest) with mmtest_DIR=<this build directory> ---------------------
export(EXPORT mmtestTargets NAMESPACE mmtest:: FILE "${PROJECT_BINARY_DIR}/mmtestTargets.cmake")
foreach(export_set IN LISTS mmtest_component_exports)
  export(EXPORT ${export_set} NAMESPACE mmtest:: FILE "${PROJECT_BINARY_DIR}/${export_set}.cmake")
endforeach()
configure_package_config_file(cmake/mmtestConfig.cmake.in "${PROJECT_BINARY_DIR}/mmtestConfig.cmake"
  INSTALL_DESTINATION "${PROJECT_BINARY_DIR}" INSTALL_PREFIX "${PROJECT_BINARY_DIR}")
file(COPY_FILE "${PROJECT_BINARY_DIR}/mmtest-package/mmtestConfigVersion.cmake"
  "${PROJECT_BINARY_DIR}/mmtestConfigVersion.cmake" ONLY_IF_DIFFERENT)
foreach(module IN LISTS mmtest_modules)
  get_filename_component(module_name "${module}" NAME)
  configure_file("${module}" "${PROJECT_BINARY_DIR}/${module_name}" COPYONLY)
endforeach()
foreach(module IN LISTS mmtest_internal_modules)
  get_filename_component(module_name "${module}" NAME)
  configure_file("${module}" "${PROJECT_BINARY_DIR}/internal/${module_name}" COPYONLY)
endforeach()
