// The ctest-time budgets and what the hook reads and writes for CTest (mmtest::plan: budget.hpp,
// resource_spec.hpp, ctest_invocation.hpp, Manifest::declarations), and parse_size_mib, the size
// grammar in whole MiB they share with the CMake module (mmtest::common).
#include "mmtest/plan/budget.hpp"
#include "mmtest/plan/ctest_invocation.hpp"
#include "mmtest/plan/manifest.hpp"
#include "mmtest/plan/resource_spec.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "mmtest/common/units.hpp"
#include "mmtest/machine/cpus.hpp"
#include "expect_contains.hpp"
#include "temp_directory.hpp"

namespace mmtest::plan {
namespace {

namespace fs = std::filesystem;
using mmtest::test_support::read_text;
using mmtest::test_support::TempDirectory;
using mmtest::test_support::write_text;
using Ids = std::vector<std::uint64_t>;

// A machine made of files: a meminfo, a process view with a cgroup v2 tree below its sysroot,
// a /dev, and a given affinity.
class FakeMachine : public ::testing::Test {
 protected:
  FakeMachine() {
    probe_.view = {directory_ / "proc", directory_ / "sys"};
    probe_.meminfo = directory_ / "meminfo";
    probe_.devices = directory_ / "dev";
    probe_.allowed_cpus = std::vector<int>{0, 1};
  }

  void mem_available_kib(std::uint64_t kib) const {
    write_text(directory_ / "meminfo", "MemTotal:       65536000 kB\nMemFree:  1000 kB\nMemAvailable:   " +
                                           std::to_string(kib) + " kB\nBuffers:  1 kB\n");
  }

  // This process in cgroup v2 /ci/job, with memory.max and memory.current (bytes) there.
  void cgroup_v2(const std::string& memory_max, const std::string& memory_current) const {
    write_text(directory_ / "proc" / "cgroup", "0::/ci/job\n");
    write_text(directory_ / "proc" / "mountinfo", "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n");
    write_text(limit_file(), memory_max + "\n");
    write_text(directory_ / "sys/sys/fs/cgroup/ci/job/memory.current", memory_current + "\n");
  }
  fs::path limit_file() const { return directory_ / "sys/sys/fs/cgroup/ci/job/memory.max"; }

  Budget memory_budget() const {
    const auto budget = find_memory_budget({}, probe_);
    if (!budget) {
      ADD_FAILURE() << budget.error();
      return {};
    }
    return *budget;
  }

  TempDirectory directory_;
  MachineProbe probe_;
};

// ---- the memory budget ---------------------------------------------------------------------------

TEST(MemoryReserve, ten_percent_at_least_256_and_at_most_2048_mib) {
  EXPECT_EQ(memory_reserve_mib(0), 256u);
  EXPECT_EQ(memory_reserve_mib(1), 256u);
  EXPECT_EQ(memory_reserve_mib(2569), 256u);  // 256.9 rounds down
  EXPECT_EQ(memory_reserve_mib(2570), 257u);
  EXPECT_EQ(memory_reserve_mib(3072), 307u);
  EXPECT_EQ(memory_reserve_mib(10000), 1000u);
  EXPECT_EQ(memory_reserve_mib(20489), 2048u);
  EXPECT_EQ(memory_reserve_mib(20490), 2048u);
  EXPECT_EQ(memory_reserve_mib(std::uint64_t{1} << 42), 2048u);  // the largest cgroup limit in MiB
}

TEST_F(FakeMachine, the_environment_wins_over_the_cache_and_the_machine) {
  mem_available_kib(22545408);
  BudgetSettings settings;
  settings.memory_environment = "6G";
  settings.memory_cache = "3G";
  const auto budget = find_memory_budget(settings, probe_);
  ASSERT_TRUE(budget.has_value()) << budget.error();
  EXPECT_EQ(budget->value, 6144u);
  EXPECT_EQ(budget->source, "environment variable MMTEST_MEMORY_BUDGET=6G");
}

TEST_F(FakeMachine, the_cache_wins_over_the_machine_and_is_rounded_down) {
  mem_available_kib(22545408);
  BudgetSettings settings;
  settings.memory_cache = "1.05g";  // 1075.2 MiB
  const auto budget = find_memory_budget(settings, probe_);
  ASSERT_TRUE(budget.has_value()) << budget.error();
  EXPECT_EQ(budget->value, 1075u);
  EXPECT_EQ(budget->source, "cache variable MMTEST_MEMORY_BUDGET=1.05g");
}

TEST(MemoryBudget, a_malformed_given_budget_is_an_error_naming_the_variable) {
  BudgetSettings environment;
  environment.memory_environment = "12Q";
  environment.memory_cache = "3G";  // a good cache value does not hide a typo in the environment
  const auto from_environment = find_memory_budget(environment);
  ASSERT_FALSE(from_environment.has_value());
  EXPECT_EQ(from_environment.error(),
            "mmtest: environment variable MMTEST_MEMORY_BUDGET expects a size like 512M or 2G, got '12Q'");

  BudgetSettings cache;
  cache.memory_cache = "12Q";
  const auto from_cache = find_memory_budget(cache);
  ASSERT_FALSE(from_cache.has_value());
  EXPECT_EQ(from_cache.error(),
            "mmtest: cache variable MMTEST_MEMORY_BUDGET expects a size like 512M or 2G, got '12Q'");

  cache.memory_cache = "64kb";
  const auto too_small = find_memory_budget(cache);
  ASSERT_FALSE(too_small.has_value());
  EXPECT_EQ(too_small.error(), "mmtest: cache variable MMTEST_MEMORY_BUDGET expects at least 1 MiB, got '64kb'");

  cache.memory_cache = "0";
  const auto zero = find_memory_budget(cache);
  ASSERT_FALSE(zero.has_value());
  EXPECT_EQ(zero.error(),
            "mmtest: cache variable MMTEST_MEMORY_BUDGET expects a size above zero, like 512M or 2G, got '0'");
}

TEST_F(FakeMachine, mem_available_less_the_reserve_without_a_cgroup_limit) {
  mem_available_kib(22545408);  // 22017 MiB: the reserve is at its most
  const Budget budget = memory_budget();
  EXPECT_EQ(budget.value, 22017u - 2048u);
  EXPECT_EQ(budget.source, "MemAvailable 22017 MiB - reserve 2048 MiB; no cgroup memory limit");

  mem_available_kib(10000 * 1024);
  const Budget mid = memory_budget();
  EXPECT_EQ(mid.value, 9000u);
  EXPECT_EQ(mid.source, "MemAvailable 10000 MiB - reserve 1000 MiB; no cgroup memory limit");
}

TEST_F(FakeMachine, the_cgroups_free_figure_wins_when_it_is_smaller) {
  mem_available_kib(22545408);
  cgroup_v2("4294967296", "1073741824");  // limit 4096 MiB, 1024 in use: 3072 free
  const Budget budget = memory_budget();
  EXPECT_EQ(budget.value, 3072u - 307u);
  EXPECT_EQ(budget.source, "cgroup limit 4096 MiB in " + limit_file().string() +
                               ", 1024 MiB in use - reserve 307 MiB; MemAvailable 22017 MiB");
}

// What is free in the cgroup is compared, not its limit: 3072 MiB free of 4096 is less than 3500.
TEST_F(FakeMachine, the_cgroups_free_figure_is_compared_not_its_limit) {
  mem_available_kib(3500 * 1024);
  cgroup_v2("4294967296", "1073741824");
  const Budget budget = memory_budget();
  EXPECT_EQ(budget.value, 3072u - 307u);
  EXPECT_EQ(budget.source, "cgroup limit 4096 MiB in " + limit_file().string() +
                               ", 1024 MiB in use - reserve 307 MiB; MemAvailable 3500 MiB");
}

TEST_F(FakeMachine, mem_available_wins_when_it_is_smaller_and_the_cgroup_is_named_beside_it) {
  mem_available_kib(1000 * 1024);
  cgroup_v2("4294967296", "1073741824");
  const Budget budget = memory_budget();
  EXPECT_EQ(budget.value, 1000u - 256u);
  EXPECT_EQ(budget.source, "MemAvailable 1000 MiB - reserve 256 MiB; cgroup limit 4096 MiB in " +
                               limit_file().string() + ", 1024 MiB in use");
}

TEST_F(FakeMachine, a_cgroup_with_nothing_free_leaves_one_mib) {
  mem_available_kib(22545408);
  cgroup_v2("1073741824", "1207959552");  // 1152 MiB in use of 1024
  const Budget budget = memory_budget();
  EXPECT_EQ(budget.value, 1u);
  EXPECT_EQ(budget.source, "cgroup limit 1024 MiB in " + limit_file().string() +
                               ", 1152 MiB in use - reserve 256 MiB; MemAvailable 22017 MiB");
}

TEST_F(FakeMachine, less_than_the_reserve_leaves_one_mib) {
  mem_available_kib(200 * 1024);
  const Budget budget = memory_budget();
  EXPECT_EQ(budget.value, 1u);
  EXPECT_EQ(budget.source, "MemAvailable 200 MiB - reserve 256 MiB; no cgroup memory limit");
}

TEST_F(FakeMachine, without_mem_available_the_cgroup_alone_says) {
  cgroup_v2("4294967296", "1073741824");
  const Budget budget = memory_budget();
  EXPECT_EQ(budget.value, 3072u - 307u);
  EXPECT_EQ(budget.source, "cgroup limit 4096 MiB in " + limit_file().string() +
                               ", 1024 MiB in use - reserve 307 MiB; MemAvailable unknown");
}

// ---- the CPU budget ------------------------------------------------------------------------------

TEST_F(FakeMachine, a_given_cpu_budget_is_taken_as_a_count_environment_first) {
  BudgetSettings settings;
  settings.cpus_environment = "007";
  settings.cpus_cache = "3";
  const auto from_environment = find_cpu_budget(settings, probe_);
  ASSERT_TRUE(from_environment.has_value()) << from_environment.error();
  EXPECT_EQ(from_environment->value, 7u);
  EXPECT_EQ(from_environment->source, "environment variable MMTEST_CPU_BUDGET=007");

  settings.cpus_environment = "";
  const auto from_cache = find_cpu_budget(settings, probe_);
  ASSERT_TRUE(from_cache.has_value()) << from_cache.error();
  EXPECT_EQ(from_cache->value, 3u);
  EXPECT_EQ(from_cache->source, "cache variable MMTEST_CPU_BUDGET=3");

  settings.cpus_cache = "999999";
  const auto most = find_cpu_budget(settings, probe_);
  ASSERT_TRUE(most.has_value()) << most.error();
  EXPECT_EQ(most->value, 999999u);
}

TEST(CpuBudget, a_malformed_given_budget_is_an_error_naming_the_variable) {
  for (const std::string text : {"two", "0", "000", "1234567", "0000001", "-1", "1.5", " 2", "4 "}) {
    BudgetSettings settings;
    settings.cpus_environment = text;
    settings.cpus_cache = "3";
    const auto budget = find_cpu_budget(settings);
    ASSERT_FALSE(budget.has_value()) << "'" << text << "' gave " << budget->value;
    EXPECT_EQ(budget.error(),
              "mmtest: environment variable MMTEST_CPU_BUDGET expects a count of CPUs like 4 (1 to 999999), got '" +
                  text + "'");
  }
  BudgetSettings cache;
  cache.cpus_cache = "two";
  const auto from_cache = find_cpu_budget(cache);
  ASSERT_FALSE(from_cache.has_value());
  EXPECT_EQ(from_cache.error(),
            "mmtest: cache variable MMTEST_CPU_BUDGET expects a count of CPUs like 4 (1 to 999999), got 'two'");
}

TEST_F(FakeMachine, the_affinity_without_a_quota) {
  probe_.allowed_cpus = std::vector<int>{0, 1, 2, 3, 8};
  const auto budget = find_cpu_budget({}, probe_);
  ASSERT_TRUE(budget.has_value()) << budget.error();
  EXPECT_EQ(budget->value, 5u);
  EXPECT_EQ(budget->source, "affinity 0-3,8; no cgroup CPU quota");
}

TEST_F(FakeMachine, no_affinity_to_read_counts_the_logical_cores) {
  probe_.allowed_cpus = std::vector<int>{};
  const auto budget = find_cpu_budget({}, probe_);
  ASSERT_TRUE(budget.has_value()) << budget.error();
  EXPECT_GE(budget->value, 1u);
  EXPECT_EQ(budget->source, std::to_string(budget->value) + " logical cores; no cgroup CPU quota");
}

TEST(CpuBudget, this_process_affinity_by_default) {
  MachineProbe probe;
  probe.view = {"/nonexistent/proc", {}};  // no cgroup: the affinity alone
  const auto allowed = machine::allowed_cpus();
  ASSERT_TRUE(allowed.has_value()) << allowed.error();
  const auto budget = find_cpu_budget({}, probe);
  ASSERT_TRUE(budget.has_value()) << budget.error();
  EXPECT_EQ(budget->value, allowed->size());
  EXPECT_EQ(budget->source, "affinity " + machine::format_cpu_list(*allowed) + "; no cgroup CPU quota");
}

// ---- GPUs ----------------------------------------------------------------------------------------

TEST_F(FakeMachine, the_nvidia_device_nodes_are_the_gpus) {
  for (const char* node : {"nvidia0", "nvidia1", "nvidiactl", "nvidia-uvm", "nvidia-modeset", "null", "xnvidia3"}) {
    write_text(directory_ / "dev" / node, "");
  }
  fs::create_directories(directory_ / "dev" / "nvidia-caps");
  const auto ids = find_gpu_ids({}, probe_);
  ASSERT_TRUE(ids.has_value()) << ids.error();
  EXPECT_EQ(*ids, (Ids{0, 1}));
}

TEST_F(FakeMachine, gpu_ids_are_in_numeric_order) {
  for (const char* node : {"nvidia10", "nvidia2", "nvidia0"}) write_text(directory_ / "dev" / node, "");
  const auto ids = find_gpu_ids({}, probe_);
  ASSERT_TRUE(ids.has_value()) << ids.error();
  EXPECT_EQ(*ids, (Ids{0, 2, 10}));
}

TEST_F(FakeMachine, no_devices_no_gpus) {
  const auto missing = find_gpu_ids({}, probe_);  // no dev directory at all
  ASSERT_TRUE(missing.has_value()) << missing.error();
  EXPECT_TRUE(missing->empty());
}

TEST_F(FakeMachine, mmtest_gpus_counts_the_gpus_whatever_the_devices) {
  write_text(directory_ / "dev" / "nvidia0", "");
  BudgetSettings settings;
  settings.gpus_environment = "3";
  const auto three = find_gpu_ids(settings, probe_);
  ASSERT_TRUE(three.has_value()) << three.error();
  EXPECT_EQ(*three, (Ids{0, 1, 2}));
  settings.gpus_environment = "0";
  const auto none = find_gpu_ids(settings, probe_);
  ASSERT_TRUE(none.has_value()) << none.error();
  EXPECT_TRUE(none->empty());
}

TEST(GpuIds, a_malformed_mmtest_gpus_is_an_error) {
  for (const std::string text : {"two", "-1", "1.5", " 2", "2 ", "99999999999999999999999"}) {
    BudgetSettings settings;
    settings.gpus_environment = text;
    const auto ids = find_gpu_ids(settings);
    ASSERT_FALSE(ids.has_value()) << "'" << text << "' gave " << ids->size() << " ids";
    EXPECT_EQ(ids.error(), "mmtest: environment variable MMTEST_GPUS expects a count like 2, got '" + text + "'");
  }
}

// ---- the settings from the environment -----------------------------------------------------------

// Sets or unsets an environment variable for one scope.
class ScopedEnvironment {
 public:
  ScopedEnvironment(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;
  ~ScopedEnvironment() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(BudgetSettings, read_from_the_environment_beside_the_cache_values) {
  const ScopedEnvironment memory("MMTEST_MEMORY_BUDGET", "6G");
  const ScopedEnvironment cpus("MMTEST_CPU_BUDGET", "007");
  const ScopedEnvironment gpus("MMTEST_GPUS", "2");
  const BudgetSettings settings = settings_from_environment("3G", "3");
  EXPECT_EQ(settings.memory_environment, "6G");
  EXPECT_EQ(settings.memory_cache, "3G");
  EXPECT_EQ(settings.cpus_environment, "007");
  EXPECT_EQ(settings.cpus_cache, "3");
  EXPECT_EQ(settings.gpus_environment, "2");
}

TEST(BudgetSettings, unset_variables_are_empty) {
  const ScopedEnvironment memory("MMTEST_MEMORY_BUDGET", nullptr);
  const ScopedEnvironment cpus("MMTEST_CPU_BUDGET", nullptr);
  const ScopedEnvironment gpus("MMTEST_GPUS", nullptr);
  const BudgetSettings settings = settings_from_environment("", "4");
  EXPECT_EQ(settings.memory_environment, "");
  EXPECT_EQ(settings.memory_cache, "");
  EXPECT_EQ(settings.cpus_environment, "");
  EXPECT_EQ(settings.cpus_cache, "4");
  EXPECT_EQ(settings.gpus_environment, "");
}

// ---- the resource spec ---------------------------------------------------------------------------

// The ids of one resource of a spec's local entry, and their slots.
std::vector<std::pair<std::string, std::uint64_t>> ids_of(const nlohmann::json& spec, const std::string& type) {
  std::vector<std::pair<std::string, std::uint64_t>> ids;
  for (const nlohmann::json& id : spec.at("local").at(0).at(type)) {
    EXPECT_TRUE(id.at("id").is_string()) << id;  // CTest reads ids as strings only
    ids.emplace_back(id.at("id").get<std::string>(), id.at("slots").get<std::uint64_t>());
  }
  return ids;
}

using Slots = std::vector<std::pair<std::string, std::uint64_t>>;

TEST(ResourceSpecText, version_1_with_the_memory_pool_the_cpu_and_the_gpu_ids) {
  const Ids gpus{0, 3};
  const std::string text = resource_spec_text(4096, 3, gpus);
  EXPECT_TRUE(text.ends_with("\n"));
  const nlohmann::json spec = nlohmann::json::parse(text);
  EXPECT_EQ(spec.at("version"), (nlohmann::json{{"major", 1}, {"minor", 0}}));
  ASSERT_EQ(spec.at("local").size(), 1u);
  EXPECT_EQ(spec.at("local").at(0).size(), 4u) << spec.dump();  // the four resources, nothing else
  EXPECT_EQ(ids_of(spec, "mmtest_memory_mib"), (Slots{{"0", 4096}}));
  EXPECT_EQ(ids_of(spec, "mmtest_cpus"), (Slots{{"0", 10}, {"1", 10}, {"2", 10}}));  // a slot a tenth
  EXPECT_EQ(ids_of(spec, "mmtest_idle"), (Slots{{"0", 30}}));  // ten idle tests a CPU
  EXPECT_EQ(ids_of(spec, "gpus"), (Slots{{"0", 1}, {"3", 1}}));
}

TEST(ResourceSpecText, an_overcommit_adds_its_tenths_to_each_cpu_id_not_to_the_idle_pool) {
  const nlohmann::json spec = nlohmann::json::parse(resource_spec_text(4096, 2, {}, 3));
  EXPECT_EQ(ids_of(spec, "mmtest_cpus"), (Slots{{"0", 13}, {"1", 13}}));
  EXPECT_EQ(ids_of(spec, "mmtest_idle"), (Slots{{"0", 20}}));
}

TEST(ResourceSpecText, no_gpus_is_an_empty_list) {
  const nlohmann::json spec = nlohmann::json::parse(resource_spec_text(1, 1, {}));
  EXPECT_EQ(ids_of(spec, "mmtest_memory_mib"), (Slots{{"0", 1}}));
  EXPECT_EQ(ids_of(spec, "mmtest_cpus"), (Slots{{"0", 10}}));
  EXPECT_TRUE(spec.at("local").at(0).at("gpus").is_array());
  EXPECT_TRUE(spec.at("local").at(0).at("gpus").empty());
}

TEST(WriteResourceSpec, writes_the_text_whole_creating_the_folder_and_replacing_a_file) {
  TempDirectory directory;
  const fs::path path = directory / "a" / "b" / "spec.json";
  const Ids gpus{0};
  ASSERT_TRUE(write_resource_spec(path, 2048, 2, gpus).has_value());
  EXPECT_EQ(read_text(path), resource_spec_text(2048, 2, gpus));
  ASSERT_TRUE(write_resource_spec(path, 512, 1, {}).has_value());
  EXPECT_EQ(read_text(path), resource_spec_text(512, 1, {}));
  std::vector<fs::path> left;
  for (const auto& entry : fs::directory_iterator(path.parent_path())) left.push_back(entry.path().filename());
  EXPECT_EQ(left, std::vector<fs::path>{"spec.json"}) << "a temporary file was left behind";
}

TEST(WriteResourceSpec, an_impossible_folder_is_an_error_naming_it) {
  TempDirectory directory;
  write_text(directory / "file", "");
  const auto written = write_resource_spec(directory / "file" / "spec.json", 1, 1, {});
  ASSERT_FALSE(written.has_value());
  EXPECT_CONTAINS(written.error(), (directory / "file").string());
}

TEST(CopyResourceSpec, copies_the_file_whole) {
  TempDirectory directory;
  const std::string given = "{ \"version\": { \"major\": 1, \"minor\": 0 }, \"local\": [ {} ] }  \n";
  write_text(directory / "given.json", given);
  ASSERT_TRUE(copy_resource_spec(directory / "given.json", directory / "run" / "spec.json").has_value());
  EXPECT_EQ(read_text(directory / "run" / "spec.json"), given);
}

TEST(CopyResourceSpec, a_missing_file_is_an_error_naming_it) {
  TempDirectory directory;
  const auto copied = copy_resource_spec(directory / "missing.json", directory / "spec.json");
  ASSERT_FALSE(copied.has_value());
  EXPECT_CONTAINS(copied.error(), "read(" + (directory / "missing.json").string() + ")");
  EXPECT_CONTAINS(copied.error(), "No such file or directory");
  EXPECT_FALSE(fs::exists(directory / "spec.json"));
}

TEST(ReadGivenResourceSpec, the_most_slots_of_any_memory_id_and_the_cpu_and_gpu_ids) {
  TempDirectory directory;
  write_text(directory / "spec.json", R"({
    "version": { "major": 1, "minor": 0 },
    "local": [ {
      "mmtest_memory_mib": [ { "id": "0", "slots": 1024 }, { "id": "1", "slots": 4096 }, { "id": "2", "slots": 2048 } ],
      "mmtest_cpus": [ { "id": "0", "slots": 1 }, { "id": "1", "slots": 1 }, { "id": "2", "slots": 1 } ],
      "gpus": [ { "id": "0", "slots": 1 }, { "id": "1", "slots": 1 } ]
    } ]
  })");
  const auto budgets = read_given_resource_spec(directory / "spec.json");
  ASSERT_TRUE(budgets.has_value()) << budgets.error();
  EXPECT_EQ(budgets->memory_mib, 4096u);
  EXPECT_EQ(budgets->cpus, 3u);
  EXPECT_EQ(budgets->cpu_slots, 1u);  // a spec of whole CPUs: the hook converts every test's groups
  EXPECT_FALSE(budgets->idle_pool);   // tests learned idle hold the floor of a tenth
  EXPECT_EQ(budgets->gpus, 2u);
}

TEST(ReadGivenResourceSpec, reads_back_what_write_resource_spec_wrote) {
  TempDirectory directory;
  const Ids gpus{0, 1, 2, 3};
  ASSERT_TRUE(write_resource_spec(directory / "spec.json", 6144, 8, gpus).has_value());
  const auto budgets = read_given_resource_spec(directory / "spec.json");
  ASSERT_TRUE(budgets.has_value()) << budgets.error();
  EXPECT_EQ(budgets->memory_mib, 6144u);
  EXPECT_EQ(budgets->cpus, 8u);
  EXPECT_EQ(budgets->cpu_slots, 10u);
  EXPECT_TRUE(budgets->idle_pool);
  EXPECT_EQ(budgets->gpus, 4u);

  // A large machine's spec is read whole.
  ASSERT_TRUE(write_resource_spec(directory / "large.json", 2147483648, 1024, gpus).has_value());
  const auto large = read_given_resource_spec(directory / "large.json");
  ASSERT_TRUE(large.has_value()) << large.error();
  EXPECT_EQ(large->memory_mib, 2147483648u);  // 2048T, the largest budget
  EXPECT_EQ(large->cpus, 1024u);

  write_text(directory / "no_gpus.json",
             R"({"version": {"major": 1, "minor": 2}, "local": [{"mmtest_memory_mib": [{"id": "0", "slots": 10}],
                 "mmtest_cpus": [{"id": "0", "slots": 1}]}]})");
  const auto without_gpus = read_given_resource_spec(directory / "no_gpus.json");
  ASSERT_TRUE(without_gpus.has_value()) << without_gpus.error();
  EXPECT_EQ(without_gpus->memory_mib, 10u);
  EXPECT_EQ(without_gpus->cpus, 1u);
  EXPECT_EQ(without_gpus->gpus, 0u);

  // An idle pool without a slot holds no test.
  write_text(directory / "empty_idle.json",
             R"({"version": {"major": 1, "minor": 0}, "local": [{"mmtest_memory_mib": [{"id": "0", "slots": 10}],
                 "mmtest_cpus": [{"id": "0", "slots": 10}], "mmtest_idle": [{"id": "0", "slots": 0}]}]})");
  const auto empty_idle = read_given_resource_spec(directory / "empty_idle.json");
  ASSERT_TRUE(empty_idle.has_value()) << empty_idle.error();
  EXPECT_FALSE(empty_idle->idle_pool);
}

// Each error is one line naming the file given to ctest and why CTest cannot use it.
class GivenSpecErrors : public ::testing::Test {
 protected:
  std::string error_of(const std::string& name, const std::optional<std::string>& text) {
    const fs::path path = directory_ / name;
    if (text) write_text(path, *text);
    const auto budgets = read_given_resource_spec(path);
    if (budgets) {
      ADD_FAILURE() << name << ": expected an error, got " << budgets->memory_mib << " MiB";
      return "";
    }
    EXPECT_CONTAINS(budgets.error(),
                    "mmtest: the resource spec " + path.string() + " given to ctest (--resource-spec-file)");
    EXPECT_EQ(budgets.error().find('\n'), std::string::npos) << budgets.error();
    return budgets.error();
  }
  TempDirectory directory_;
};

TEST_F(GivenSpecErrors, a_missing_file) { EXPECT_CONTAINS(error_of("missing.json", std::nullopt), "does not exist"); }

TEST_F(GivenSpecErrors, a_directory_is_no_file) {
  fs::create_directory(directory_ / "folder.json");
  EXPECT_CONTAINS(error_of("folder.json", std::nullopt), "does not exist");
}

TEST_F(GivenSpecErrors, not_json) {
  EXPECT_CONTAINS(error_of("broken.json", "{ \"version\": "), "is not a version 1 resource spec (not JSON)");
}

TEST_F(GivenSpecErrors, version_2_or_no_version) {
  const std::string local =
      R"("local": [{"mmtest_memory_mib": [{"id": "0", "slots": 10}], "mmtest_cpus": [{"id": "0", "slots": 1}]}])";
  EXPECT_CONTAINS(error_of("v2.json", "{\"version\": {\"major\": 2, \"minor\": 0}, " + local + "}"),
                  "is not a version 1 resource spec (its version.major is not 1)");
  EXPECT_CONTAINS(error_of("none.json", "{" + local + "}"),
                  "is not a version 1 resource spec (its version.major is not 1)");
  EXPECT_CONTAINS(error_of("text.json", "{\"version\": {\"major\": \"1\"}, " + local + "}"),
                  "its version.major is not 1");
  EXPECT_CONTAINS(error_of("array.json", "[1, 2]"), "its version.major is not 1");
}

TEST_F(GivenSpecErrors, no_memory_resource) {
  const std::string error =
      error_of("no_memory.json",
               R"({"version": {"major": 1, "minor": 0}, "local": [{"mmtest_cpus": [{"id": "0", "slots": 1}]}]})");
  EXPECT_CONTAINS(error, "has no mmtest_memory_mib resource: CTest would run none of mmtest's tests");
  EXPECT_CONTAINS(error, "\"mmtest_memory_mib\": [ { \"id\": \"0\", \"slots\": 4096 } ]");
  EXPECT_CONTAINS(error_of("empty_memory.json",
                           R"({"version": {"major": 1, "minor": 0}, "local": [{"mmtest_memory_mib": [],
                               "mmtest_cpus": [{"id": "0", "slots": 1}]}]})"),
                  "has no mmtest_memory_mib resource");
  EXPECT_CONTAINS(error_of("no_local.json", R"({"version": {"major": 1, "minor": 0}})"),
                  "has no mmtest_memory_mib resource");
}

TEST_F(GivenSpecErrors, no_cpu_resource) {
  const std::string error = error_of(
      "no_cpus.json",
      R"({"version": {"major": 1, "minor": 0},
          "local": [{"mmtest_memory_mib": [{"id": "0", "slots": 4096}], "gpus": []}]})");
  EXPECT_CONTAINS(error, "has no mmtest_cpus resource: CTest would run none of mmtest's tests");
  EXPECT_CONTAINS(error, "add one id per CPU");
  EXPECT_CONTAINS(
      error_of("empty_cpus.json",
               R"({"version": {"major": 1, "minor": 0}, "local": [{"mmtest_memory_mib": [{"id": "0", "slots": 1}],
                               "mmtest_cpus": []}]})"),
      "has no mmtest_cpus resource");
}

// ---- ctest's command line ------------------------------------------------------------------------

TEST(GivenResourceSpec, the_last_one_counts_and_a_relative_one_is_made_absolute) {
  CtestInvocation invocation{
      {"ctest", "--resource-spec-file", "first.json", "-j", "4", "--resource-spec-file", "/abs/last.json"}, "/build"};
  EXPECT_EQ(given_resource_spec(invocation), fs::path("/abs/last.json"));

  invocation.arguments = {"ctest", "--resource-spec-file", "/abs/first.json", "--resource-spec-file", "sub/spec.json"};
  EXPECT_EQ(given_resource_spec(invocation), fs::path("/build/sub/spec.json"));
}

TEST(GivenResourceSpec, none_given_or_no_file_after_the_option) {
  EXPECT_EQ(given_resource_spec({{"ctest", "-j", "4"}, "/build"}), std::nullopt);
  EXPECT_EQ(given_resource_spec({{"ctest", "--resource-spec-file"}, "/build"}), std::nullopt);
  EXPECT_EQ(given_resource_spec({{"--resource-spec-file", "x.json"}, "/build"}), std::nullopt);  // the program
  EXPECT_EQ(given_resource_spec({{}, "/build"}), std::nullopt);
}

std::optional<std::string> serial_level(std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), "ctest");
  return serial_parallel_level(arguments);
}

TEST(SerialParallelLevel, a_missing_zero_or_non_numeric_level_is_serial) {
  EXPECT_EQ(serial_level({"-j", "auto"}), "-j auto");
  EXPECT_EQ(serial_level({"--preset", "ci", "-j"}), "-j");  // -j at the end
  EXPECT_EQ(serial_level({"-j0"}), "-j0");
  EXPECT_EQ(serial_level({"-j", "00"}), "-j 00");
  EXPECT_EQ(serial_level({"--parallel", "0"}), "--parallel 0");
  EXPECT_EQ(serial_level({"--parallel"}), "--parallel");
  EXPECT_EQ(serial_level({"-jauto"}), "-jauto");
  EXPECT_EQ(serial_level({"-j", "-L", "unit"}), "-j");  // an option is not the level
}

TEST(SerialParallelLevel, the_last_one_counts) {
  EXPECT_EQ(serial_level({"-j", "2", "-j", "auto"}), "-j auto");
  EXPECT_EQ(serial_level({"-j", "auto", "-j", "2"}), std::nullopt);
  EXPECT_EQ(serial_level({"-j0", "--parallel", "3"}), std::nullopt);
}

TEST(SerialParallelLevel, a_number_or_none_is_not_serial) {
  EXPECT_EQ(serial_level({"-j4"}), std::nullopt);
  EXPECT_EQ(serial_level({"-j", "8"}), std::nullopt);
  EXPECT_EQ(serial_level({"--parallel", "1"}), std::nullopt);  // one at a time on purpose
  EXPECT_EQ(serial_level({"-L", "unit"}), std::nullopt);
  EXPECT_EQ(serial_level({}), std::nullopt);
  EXPECT_EQ(serial_parallel_level(std::vector<std::string>{"-j"}), std::nullopt);  // the program, not an option
}

TEST(ReadsBadParallelLevelAsSerial, ctest_before_3_29) {
  EXPECT_TRUE(reads_bad_parallel_level_as_serial("3.25.1"));
  EXPECT_TRUE(reads_bad_parallel_level_as_serial("3.28.6"));
  EXPECT_TRUE(reads_bad_parallel_level_as_serial("2.8.12"));
  EXPECT_FALSE(reads_bad_parallel_level_as_serial("3.29.0"));
  EXPECT_FALSE(reads_bad_parallel_level_as_serial("3.31.2"));
  EXPECT_FALSE(reads_bad_parallel_level_as_serial("4.3.4"));
  EXPECT_FALSE(reads_bad_parallel_level_as_serial(""));
  EXPECT_FALSE(reads_bad_parallel_level_as_serial("unknown"));
}

TEST(ReadInvocation, this_process_command_line_and_working_directory) {
  const auto invocation = read_invocation(::getpid());
  ASSERT_TRUE(invocation.has_value()) << invocation.error();
  ASSERT_FALSE(invocation->arguments.empty());
  EXPECT_EQ(fs::path(invocation->arguments[0]).filename(), fs::read_symlink("/proc/self/exe").filename())
      << invocation->arguments[0];
  EXPECT_EQ(invocation->arguments, ::testing::internal::GetArgvs());  // every argument, as given
  EXPECT_EQ(invocation->working_directory, fs::current_path());
}

TEST(ReadInvocation, a_process_that_cannot_exist_is_an_error_naming_the_file) {
  const pid_t impossible = 4194305;  // above the kernel's largest pid_max (2^22)
  const auto invocation = read_invocation(impossible);
  ASSERT_FALSE(invocation.has_value());
  EXPECT_CONTAINS(invocation.error(), "read(/proc/4194305/cmdline)");
}

// ---- parse_size_mib ------------------------------------------------------------------------------

// The old CMake test's table: text, MiB rounded up, MiB rounded down; 0 marks an error.
struct SizeCase {
  const char* text;
  std::uint64_t up;
  std::uint64_t down;
};

TEST(ParseSizeMib, the_table_the_cmake_side_is_tested_against) {
  const SizeCase cases[] = {
      {"512M", 512, 512}, {"2G", 2048, 2048},    {"1.5GiB", 1536, 1536}, {"300MiB", 300, 300},
      {"64kb", 1, 0},     {"2gb", 2048, 2048},   {"2Gi", 2048, 2048},    {"536870912", 512, 512},
      {"1048577", 2, 1},  {"1.05g", 1076, 1075}, {"007M", 7, 7},         {"2048T", 2147483648, 2147483648},
      {"0", 0, 0},        {"0.0G", 0, 0},        {"-1", 0, 0},           {"12Q", 0, 0},
      {"1.5", 0, 0},      {"2049T", 0, 0},       {"2147483649M", 0, 0},  {"99999999999999999999", 0, 0},
      {"1e3M", 0, 0},     {"M", 0, 0},           {".5G", 0, 0},          {"1.G", 0, 0},
      {"1_000M", 0, 0},   {"5MBB", 0, 0},        {"5iB", 0, 0}};
  for (const SizeCase& c : cases) {
    for (const auto& [rounding, want, kind] :
         {std::tuple{MibRounding::up, c.up, "up"}, std::tuple{MibRounding::down, c.down, "down"}}) {
      const auto mib = parse_size_mib(c.text, rounding);
      if (want == 0) {
        EXPECT_FALSE(mib.has_value()) << "'" << c.text << "' rounded " << kind << " gave " << *mib;
      } else {
        EXPECT_EQ(mib, want) << "'" << c.text << "' rounded " << kind << (mib ? "" : ": " + mib.error());
      }
    }
  }
}

TEST(ParseSizeMib, rounds_once_from_the_exact_value) {
  EXPECT_EQ(parse_size_mib("1.999999999M", MibRounding::down), 1u);
  EXPECT_EQ(parse_size_mib("1.999999999M", MibRounding::up), 2u);
  EXPECT_EQ(parse_size_mib("1048576", MibRounding::up), 1u);
  EXPECT_EQ(parse_size_mib("1048575", MibRounding::up), 1u);
  EXPECT_EQ(parse_size_mib("1024K", MibRounding::down), 1u);
  EXPECT_EQ(parse_size_mib("2047.9999999999T", MibRounding::up), 2147483648u);
}

// The error of a size that must not parse; the value when it does.
std::string size_error(std::string_view text, MibRounding rounding) {
  const auto mib = parse_size_mib(text, rounding);
  return mib ? "no error: " + std::to_string(*mib) + " MiB" : mib.error();
}

TEST(ParseSizeMib, errors_in_the_cmake_sides_words) {
  EXPECT_EQ(size_error("12Q", MibRounding::down), "expects a size like 512M or 2G, got '12Q'");
  EXPECT_EQ(size_error("", MibRounding::down), "expects a size like 512M or 2G, got ''");
  EXPECT_EQ(size_error("0", MibRounding::up), "expects a size above zero, like 512M or 2G, got '0'");
  EXPECT_EQ(size_error("0.0G", MibRounding::down), "expects a size above zero, like 512M or 2G, got '0.0G'");
  EXPECT_EQ(size_error("64kb", MibRounding::down), "expects at least 1 MiB, got '64kb'");
  EXPECT_EQ(size_error("1048575", MibRounding::down), "expects at least 1 MiB, got '1048575'");
  EXPECT_EQ(size_error("2049T", MibRounding::down), "expects at most 2^31 MiB (2048T), got '2049T'");
  EXPECT_EQ(size_error("2048.5T", MibRounding::up), "expects at most 2^31 MiB (2048T), got '2048.5T'");
  EXPECT_EQ(size_error("2147483649M", MibRounding::up), "expects at most 2^31 MiB (2048T), got '2147483649M'");
}

// ---- Manifest::declarations ----------------------------------------------------------------------

TEST(ManifestDeclarations, every_well_formed_line_in_order) {
  const Manifest manifest = parse_manifest(
      "# generated by mmtest\n"
      "_mm_need(\"test 'replay'\" 2048 1 600 4)\n"
      "_mm_need(\"each test of 'unit' (mm_gtest_discover_tests)\" 64 2 60 2 CASES \"/b/unit_mmtest_list.txt\" \"\" "
      "\"\" "
      "\"Replay.*\" 300)\n"
      "_mm_need(\"test 'broken'\" 1)\n"
      "_mm_need(\"test 'old'\" 32 0)\n"
      "_mm_need(\"test 'no cpus'\" 16 0 5 0)\n");
  EXPECT_EQ(manifest.malformed_lines, 2u);  // 'broken', and 'no cpus': a demand is above zero
  ASSERT_EQ(manifest.declarations.size(), 3u);
  const Declaration& replay = manifest.declarations[0];
  EXPECT_EQ(replay.subject, "test 'replay'");
  EXPECT_EQ(replay.memory_mib, 2048u);
  EXPECT_EQ(replay.gpus, 1u);
  EXPECT_EQ(replay.cpu_tenths, 40u);
  // A GoogleTest target's line is one declaration, for every case it lists.
  const Declaration& unit = manifest.declarations[1];
  EXPECT_EQ(unit.subject, "each test of 'unit' (mm_gtest_discover_tests)");
  EXPECT_EQ(unit.memory_mib, 64u);
  EXPECT_EQ(unit.gpus, 2u);
  EXPECT_EQ(unit.cpu_tenths, 20u);
  const Declaration& old = manifest.declarations[2];
  EXPECT_EQ(old.subject, "test 'old'");
  EXPECT_EQ(old.memory_mib, 32u);
  EXPECT_EQ(old.gpus, 0u);
  EXPECT_EQ(old.cpu_tenths, 10u);  // not in the line: one CPU
  EXPECT_EQ(manifest.tests.size(), 2u);
  EXPECT_EQ(manifest.case_lists.size(), 1u);
}

TEST(ManifestDeclarations, subjects_are_kept_as_written_with_the_escapes_undone) {
  const Manifest manifest = parse_manifest(R"(_mm_need("test 'a\"b\\c\$d'" 1 3))"
                                           "\n"
                                           "_mm_need(\"tests 'not a test'\" 5 0 1)\n");
  ASSERT_EQ(manifest.declarations.size(), 2u);
  EXPECT_EQ(manifest.declarations[0].subject, "test 'a\"b\\c$d'");
  EXPECT_EQ(manifest.declarations[0].gpus, 3u);
  EXPECT_EQ(manifest.declarations[1].subject, "tests 'not a test'");
  EXPECT_EQ(manifest.tests.size(), 1u);
}

}  // namespace
}  // namespace mmtest::plan
