#include "mmtest/plan/resource_spec.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "mmtest/common/format.hpp"
#include "mmtest/record/environment.hpp"
#include "replace_file.hpp"

namespace mmtest::plan {
namespace {

using record::kCpuResourceType;
using record::kGpuResourceType;
using record::kIdleResourceType;
using record::kMemoryResourceType;

nlohmann::json ids_of(std::uint64_t count, std::uint64_t slots) {
  nlohmann::json ids = nlohmann::json::array();
  for (std::uint64_t id = 0; id < count; ++id) ids.push_back({{"id", std::to_string(id)}, {"slots", slots}});
  return ids;
}

}  // namespace

std::string resource_spec_text(std::uint64_t memory_mib, std::uint64_t cpus, std::span<const std::uint64_t> gpu_ids,
                               std::uint64_t overcommit_tenths) {
  nlohmann::json gpus = nlohmann::json::array();
  for (const std::uint64_t id : gpu_ids) gpus.push_back({{"id", std::to_string(id)}, {"slots", 1}});
  nlohmann::json local = nlohmann::json::object();
  local[std::string(kMemoryResourceType)] = nlohmann::json::array({{{"id", "0"}, {"slots", memory_mib}}});
  local[std::string(kCpuResourceType)] = ids_of(cpus, record::kCpuSlotsPerCpu + overcommit_tenths);
  local[std::string(kIdleResourceType)] = ids_of(1, cpus * record::kCpuSlotsPerCpu);
  local[std::string(kGpuResourceType)] = std::move(gpus);
  const nlohmann::json spec = {{"version", {{"major", 1}, {"minor", 0}}}, {"local", nlohmann::json::array({local})}};
  return spec.dump(2) + "\n";
}

std::expected<void, std::string> write_resource_spec(const std::filesystem::path& path, std::uint64_t memory_mib,
                                                     std::uint64_t cpus, std::span<const std::uint64_t> gpu_ids,
                                                     std::uint64_t overcommit_tenths) {
  return replace_file(path, resource_spec_text(memory_mib, cpus, gpu_ids, overcommit_tenths));
}

std::expected<void, std::string> copy_resource_spec(const std::filesystem::path& from, const std::filesystem::path& to) {
  const FileText file = read_small_file(from.string());
  if (!file.ok) return std::unexpected(system_error_message(fmt::format("read({})", from.string()), file.error));
  return replace_file(to, file.text);
}

std::expected<SpecBudgets, std::string> read_given_resource_spec(const std::filesystem::path& path) {
  const std::string what =
      fmt::format("mmtest: the resource spec {} given to ctest (--resource-spec-file)", path.string());
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return std::unexpected(what + " does not exist");
  const FileText file = read_small_file(path.string());
  if (!file.ok) return std::unexpected(fmt::format("{} cannot be read: {}", what, system_error_message("read", file.error)));
  const nlohmann::json spec = nlohmann::json::parse(file.text, nullptr, /*allow_exceptions=*/false);
  const auto version_error = [&](std::string_view why) {
    return std::unexpected(fmt::format("{} is not a version 1 resource spec ({})", what, why));
  };
  if (spec.is_discarded()) return version_error("not JSON");
  const nlohmann::json* major = nullptr;
  if (spec.is_object() && spec.contains("version") && spec["version"].is_object() && spec["version"].contains("major")) {
    major = &spec["version"]["major"];
  }
  if (!major || !major->is_number_integer() || *major != 1) return version_error("its version.major is not 1");
  const nlohmann::json* local = nullptr;
  if (spec.contains("local") && spec["local"].is_array() && !spec["local"].empty() && spec["local"][0].is_object()) {
    local = &spec["local"][0];
  }
  const auto ids = [&](std::string_view type) -> const nlohmann::json* {
    if (!local) return nullptr;
    const auto found = local->find(std::string(type));
    if (found == local->end() || !found->is_array() || found->empty()) return nullptr;
    return &*found;
  };
  const nlohmann::json* memory = ids(kMemoryResourceType);
  if (!memory) {
    return std::unexpected(fmt::format(
        "{} has no {} resource: CTest would run none of mmtest's tests; add one, e.g. \"{}\": [ {{ \"id\": \"0\", "
        "\"slots\": 4096 }} ]",
        what, kMemoryResourceType, kMemoryResourceType));
  }
  SpecBudgets budgets;
  for (const nlohmann::json& id : *memory) {
    if (id.is_object() && id.contains("slots") && id["slots"].is_number_unsigned()) {
      budgets.memory_mib = std::max(budgets.memory_mib, id["slots"].get<std::uint64_t>());
    }
  }
  const nlohmann::json* cpus = ids(kCpuResourceType);
  if (!cpus) {
    return std::unexpected(fmt::format(
        "{} has no {} resource: CTest would run none of mmtest's tests (each holds a share of one id per CPU it "
        "uses); add one id per CPU, e.g. \"{}\": [ {{ \"id\": \"0\", \"slots\": 10 }}, {{ \"id\": \"1\", \"slots\": 10 }} ]",
        what, kCpuResourceType, kCpuResourceType));
  }
  budgets.cpus = cpus->size();
  for (const nlohmann::json& id : *cpus) {
    const std::uint64_t slots =
        id.is_object() && id.contains("slots") && id["slots"].is_number_unsigned() ? id["slots"].get<std::uint64_t>() : 0;
    if (slots > 0) budgets.cpu_slots = budgets.cpu_slots == 0 ? slots : std::min(budgets.cpu_slots, slots);
  }
  if (budgets.cpu_slots == 0) budgets.cpu_slots = 1;
  if (const nlohmann::json* idle = ids(kIdleResourceType)) {
    budgets.idle_pool = std::ranges::any_of(*idle, [](const nlohmann::json& id) {
      return id.is_object() && id.contains("slots") && id["slots"].is_number_unsigned() && id["slots"].get<std::uint64_t>() > 0;
    });
  }
  if (const nlohmann::json* gpus = ids(kGpuResourceType)) budgets.gpus = gpus->size();
  return budgets;
}

}  // namespace mmtest::plan
