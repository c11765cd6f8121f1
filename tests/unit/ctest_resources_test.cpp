#include "mmtest/run/ctest_resources.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mmtest::run {
namespace {

std::optional<std::uint64_t> allocation_of(const Environment& environment) {
  const auto allocation = ctest_memory_allocation_mib(environment);
  if (!allocation) {
    ADD_FAILURE() << "unexpected error: " << allocation.error();
    return std::nullopt;
  }
  return *allocation;
}

std::string error_of(const Environment& environment) {
  const auto allocation = ctest_memory_allocation_mib(environment);
  if (allocation) {
    ADD_FAILURE() << "expected an error, got " << allocation->value_or(0) << " MiB";
    return "";
  }
  return allocation.error();
}

TEST(CtestResources, the_resource_type_is_the_one_add_mm_test_requests) {
  EXPECT_EQ(kMemoryResourceType, "mmtest_memory_mib");
}

TEST(CtestResources, no_allocation_without_ctest_variables) {
  EXPECT_EQ(allocation_of({}), std::nullopt);
  EXPECT_EQ(allocation_of({{"PATH", "/bin"}}), std::nullopt);
  EXPECT_EQ(allocation_of({{"CTEST_RESOURCE_GROUP_COUNT", "0"}}), std::nullopt);
}

TEST(CtestResources, one_group_one_entry) {
  EXPECT_EQ(allocation_of({{"CTEST_RESOURCE_GROUP_COUNT", "1"},
                           {"CTEST_RESOURCE_GROUP_0", "mmtest_memory_mib"},
                           {"CTEST_RESOURCE_GROUP_0_MMTEST_MEMORY_MIB", "id:0,slots:512"}}),
            512u);
}

TEST(CtestResources, sums_several_entries_of_several_groups) {
  EXPECT_EQ(allocation_of({{"CTEST_RESOURCE_GROUP_COUNT", "3"},
                           {"CTEST_RESOURCE_GROUP_0", "mmtest_memory_mib"},
                           {"CTEST_RESOURCE_GROUP_0_MMTEST_MEMORY_MIB", "id:0,slots:512;id:1,slots:64"},
                           {"CTEST_RESOURCE_GROUP_1", "mmtest_memory_mib"},
                           {"CTEST_RESOURCE_GROUP_1_MMTEST_MEMORY_MIB", "id:host,slots:100"},
                           {"CTEST_RESOURCE_GROUP_2", "mmtest_memory_mib"},
                           {"CTEST_RESOURCE_GROUP_2_MMTEST_MEMORY_MIB", "id:0,slots:8;id:1,slots:2;id:2,slots:1"}}),
            512u + 64u + 100u + 8u + 2u + 1u);
}

TEST(CtestResources, other_resource_types_are_ignored) {
  EXPECT_EQ(allocation_of({{"CTEST_RESOURCE_GROUP_COUNT", "2"},
                           {"CTEST_RESOURCE_GROUP_0", "gpus,mmtest_memory_mib"},
                           {"CTEST_RESOURCE_GROUP_0_GPUS", "id:0,slots:1000"},
                           {"CTEST_RESOURCE_GROUP_0_MMTEST_MEMORY_MIB", "id:0,slots:256"},
                           {"CTEST_RESOURCE_GROUP_1", "gpus"},
                           {"CTEST_RESOURCE_GROUP_1_GPUS", "id:1,slots:2000"}}),
            256u);
}

TEST(CtestResources, groups_without_memory_give_no_allocation) {
  EXPECT_EQ(allocation_of({{"CTEST_RESOURCE_GROUP_COUNT", "1"},
                           {"CTEST_RESOURCE_GROUP_0", "gpus"},
                           {"CTEST_RESOURCE_GROUP_0_GPUS", "id:0,slots:4"}}),
            std::nullopt);
}

TEST(CtestResources, a_similar_type_name_is_not_the_memory_type) {
  EXPECT_EQ(allocation_of({{"CTEST_RESOURCE_GROUP_COUNT", "1"},
                           {"CTEST_RESOURCE_GROUP_0", "mmtest_memory_mib_extra"},
                           {"CTEST_RESOURCE_GROUP_0_MMTEST_MEMORY_MIB_EXTRA", "id:0,slots:4"},
                           {"CTEST_RESOURCE_GROUP_0_MMTEST_MEMORY_MIB", "id:0,slots:999"}}),
            std::nullopt);
}

TEST(CtestResources, groups_beyond_the_count_are_not_read) {
  EXPECT_EQ(allocation_of({{"CTEST_RESOURCE_GROUP_COUNT", "1"},
                           {"CTEST_RESOURCE_GROUP_0", "mmtest_memory_mib"},
                           {"CTEST_RESOURCE_GROUP_0_MMTEST_MEMORY_MIB", "id:0,slots:10"},
                           {"CTEST_RESOURCE_GROUP_1", "mmtest_memory_mib"},
                           {"CTEST_RESOURCE_GROUP_1_MMTEST_MEMORY_MIB", "id:0,slots:20"}}),
            10u);
}

TEST(CtestResources, a_missing_allocation_variable_is_an_error_naming_it) {
  const std::string error = error_of({{"CTEST_RESOURCE_GROUP_COUNT", "2"},
                                      {"CTEST_RESOURCE_GROUP_0", "gpus"},
                                      {"CTEST_RESOURCE_GROUP_1", "mmtest_memory_mib"}});
  EXPECT_NE(error.find("CTEST_RESOURCE_GROUP_1_MMTEST_MEMORY_MIB"), std::string::npos) << error;
}

TEST(CtestResources, a_bad_group_count_is_an_error_quoting_it) {
  const std::string error = error_of({{"CTEST_RESOURCE_GROUP_COUNT", "two"}});
  EXPECT_NE(error.find("CTEST_RESOURCE_GROUP_COUNT"), std::string::npos) << error;
  EXPECT_NE(error.find("'two'"), std::string::npos) << error;
}

TEST(CtestResources, entries_without_a_slot_count_are_errors_quoting_the_value) {
  for (const char* value : {"id:0", "id:0,slots:", "id:0,slots:many", "id:0,slots:-4", "id:0,slots:1.5"}) {
    const std::string error = error_of({{"CTEST_RESOURCE_GROUP_COUNT", "1"},
                                        {"CTEST_RESOURCE_GROUP_0", "mmtest_memory_mib"},
                                        {"CTEST_RESOURCE_GROUP_0_MMTEST_MEMORY_MIB", value}});
    EXPECT_NE(error.find("CTEST_RESOURCE_GROUP_0_MMTEST_MEMORY_MIB"), std::string::npos) << value << ": " << error;
    EXPECT_NE(error.find(value), std::string::npos) << value << ": " << error;
  }
}

std::vector<std::uint32_t> cpus_of(const Environment& environment) {
  const auto cpus = ctest_cpu_allocation(environment);
  if (!cpus) {
    ADD_FAILURE() << "unexpected error: " << cpus.error();
    return {};
  }
  return *cpus;
}

TEST(CtestCpuAllocation, the_resource_type_is_the_one_add_mm_test_requests) {
  EXPECT_EQ(kCpuResourceType, "mmtest_cpus");
}

TEST(CtestCpuAllocation, none_without_ctest_variables_or_a_cpu_group) {
  EXPECT_TRUE(cpus_of({}).empty());
  EXPECT_TRUE(cpus_of({{"CTEST_RESOURCE_GROUP_COUNT", "1"},
                       {"CTEST_RESOURCE_GROUP_0", "mmtest_memory_mib"},
                       {"CTEST_RESOURCE_GROUP_0_MMTEST_MEMORY_MIB", "id:0,slots:64"}})
                  .empty());
}

// What CTest sets for RESOURCE_GROUPS "mmtest_memory_mib:64;3,mmtest_cpus:1" (seen with CTest 3.25).
TEST(CtestCpuAllocation, collects_the_ids_of_every_cpu_group_in_increasing_order) {
  EXPECT_EQ(cpus_of({{"CTEST_RESOURCE_GROUP_COUNT", "4"},
                     {"CTEST_RESOURCE_GROUP_0", "mmtest_memory_mib"},
                     {"CTEST_RESOURCE_GROUP_0_MMTEST_MEMORY_MIB", "id:0,slots:64"},
                     {"CTEST_RESOURCE_GROUP_1", "mmtest_cpus"},
                     {"CTEST_RESOURCE_GROUP_1_MMTEST_CPUS", "id:5,slots:1"},
                     {"CTEST_RESOURCE_GROUP_2", "mmtest_cpus"},
                     {"CTEST_RESOURCE_GROUP_2_MMTEST_CPUS", "id:0,slots:1"},
                     {"CTEST_RESOURCE_GROUP_3", "mmtest_cpus"},
                     {"CTEST_RESOURCE_GROUP_3_MMTEST_CPUS", "id:12,slots:1"}}),
            (std::vector<std::uint32_t>{0, 5, 12}));
}

TEST(CtestCpuAllocation, an_id_given_twice_counts_once_and_memory_is_unaffected) {
  const Environment environment{{"CTEST_RESOURCE_GROUP_COUNT", "1"},
                                {"CTEST_RESOURCE_GROUP_0", "mmtest_memory_mib,mmtest_cpus"},
                                {"CTEST_RESOURCE_GROUP_0_MMTEST_MEMORY_MIB", "id:0,slots:32"},
                                {"CTEST_RESOURCE_GROUP_0_MMTEST_CPUS", "id:1,slots:1;id:1,slots:1;id:3,slots:2"}};
  EXPECT_EQ(cpus_of(environment), (std::vector<std::uint32_t>{1, 3}));
  EXPECT_EQ(allocation_of(environment), 32u);
}

TEST(CtestCpuAllocation, an_id_that_is_not_an_index_is_an_error_quoting_it) {
  const auto cpus = ctest_cpu_allocation({{"CTEST_RESOURCE_GROUP_COUNT", "1"},
                                          {"CTEST_RESOURCE_GROUP_0", "mmtest_cpus"},
                                          {"CTEST_RESOURCE_GROUP_0_MMTEST_CPUS", "id:cpu0,slots:1"}});
  ASSERT_FALSE(cpus.has_value());
  EXPECT_NE(cpus.error().find("'cpu0'"), std::string::npos) << cpus.error();
}

TEST(CtestCpuAllocation, a_missing_cpu_variable_is_an_error_naming_it) {
  const auto cpus = ctest_cpu_allocation({{"CTEST_RESOURCE_GROUP_COUNT", "1"}, {"CTEST_RESOURCE_GROUP_0", "mmtest_cpus"}});
  ASSERT_FALSE(cpus.has_value());
  EXPECT_NE(cpus.error().find("CTEST_RESOURCE_GROUP_0_MMTEST_CPUS"), std::string::npos) << cpus.error();
}

// What CTest sets for RESOURCE_GROUPS "mmtest_memory_mib:64;mmtest_cpus:10;mmtest_cpus:3": a test
// holding 1.3 CPUs of the spec mmtest writes (ten slots a CPU).
TEST(CtestCpusReserved, the_slots_over_ten_a_cpu) {
  const Environment environment{{"CTEST_RESOURCE_GROUP_COUNT", "3"},
                                {"CTEST_RESOURCE_GROUP_0", "mmtest_memory_mib"},
                                {"CTEST_RESOURCE_GROUP_0_MMTEST_MEMORY_MIB", "id:0,slots:64"},
                                {"CTEST_RESOURCE_GROUP_1", "mmtest_cpus"},
                                {"CTEST_RESOURCE_GROUP_1_MMTEST_CPUS", "id:1,slots:10"},
                                {"CTEST_RESOURCE_GROUP_2", "mmtest_cpus"},
                                {"CTEST_RESOURCE_GROUP_2_MMTEST_CPUS", "id:0,slots:3"}};
  const auto reserved = ctest_cpus_reserved(environment);
  ASSERT_TRUE(reserved) << reserved.error();
  ASSERT_TRUE(reserved->has_value());
  EXPECT_DOUBLE_EQ(**reserved, 1.3);
}

TEST(CtestCpusReserved, a_spec_of_other_slots_a_cpu_is_told_by_the_hook) {
  const Environment environment{{"CTEST_RESOURCE_GROUP_COUNT", "1"},
                                {"CTEST_RESOURCE_GROUP_0", "mmtest_cpus"},
                                {"CTEST_RESOURCE_GROUP_0_MMTEST_CPUS", "id:0,slots:1;id:1,slots:1"},
                                {"MMTEST_CPU_SLOTS", "1"}};
  const auto reserved = ctest_cpus_reserved(environment);
  ASSERT_TRUE(reserved) << reserved.error();
  EXPECT_DOUBLE_EQ(reserved->value_or(0), 2.0);
}

// RESOURCE_GROUPS "mmtest_memory_mib:64;mmtest_idle:1": a test learned idle holds no CPU.
TEST(CtestCpusReserved, a_slot_of_the_idle_pool_is_no_cpu) {
  const auto idle = ctest_cpus_reserved({{"CTEST_RESOURCE_GROUP_COUNT", "2"},
                                         {"CTEST_RESOURCE_GROUP_0", "mmtest_memory_mib"},
                                         {"CTEST_RESOURCE_GROUP_0_MMTEST_MEMORY_MIB", "id:0,slots:64"},
                                         {"CTEST_RESOURCE_GROUP_1", "mmtest_idle"},
                                         {"CTEST_RESOURCE_GROUP_1_MMTEST_IDLE", "id:0,slots:1"}});
  ASSERT_TRUE(idle) << idle.error();
  ASSERT_TRUE(idle->has_value());
  EXPECT_DOUBLE_EQ(**idle, 0.0);
  const auto malformed = ctest_cpus_reserved({{"CTEST_RESOURCE_GROUP_COUNT", "1"},
                                              {"CTEST_RESOURCE_GROUP_0", "mmtest_idle"},
                                              {"CTEST_RESOURCE_GROUP_0_MMTEST_IDLE", "0:1"}});
  EXPECT_FALSE(malformed.has_value());
}

TEST(CtestCpusReserved, none_without_a_cpu_group_and_a_bad_slot_count_is_an_error) {
  const auto none = ctest_cpus_reserved({{"CTEST_RESOURCE_GROUP_COUNT", "1"},
                                         {"CTEST_RESOURCE_GROUP_0", "mmtest_memory_mib"},
                                         {"CTEST_RESOURCE_GROUP_0_MMTEST_MEMORY_MIB", "id:0,slots:64"}});
  ASSERT_TRUE(none) << none.error();
  EXPECT_FALSE(none->has_value());
  for (const char* bad : {"0", "ten", "-1", ""}) {
    const auto error = ctest_cpus_reserved({{"CTEST_RESOURCE_GROUP_COUNT", "1"},
                                            {"CTEST_RESOURCE_GROUP_0", "mmtest_cpus"},
                                            {"CTEST_RESOURCE_GROUP_0_MMTEST_CPUS", "id:0,slots:3"},
                                            {"MMTEST_CPU_SLOTS", bad}});
    ASSERT_FALSE(error.has_value()) << bad;
    EXPECT_NE(error.error().find("MMTEST_CPU_SLOTS"), std::string::npos) << error.error();
  }
}

}  // namespace
}  // namespace mmtest::run
