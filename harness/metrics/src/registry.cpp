#include "mmtest/registry.hpp"

#include <prometheus/registry.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

namespace mmtest {
namespace {

// The one piece of process-wide state of the seam. It lives in this shared library so that code
// in several shared libraries and the test executable all see the same current registry.
struct Registries {
  std::mutex mutex;
  std::shared_ptr<prometheus::Registry> process;
  // Open scopes, oldest first; the newest is current.
  std::vector<std::pair<const ScopedRegistry*, std::shared_ptr<prometheus::Registry>>> scopes;
};

Registries& registries() {
  static Registries* const instance = new Registries;  // never destroyed: usable from static destructors
  return *instance;
}

// Requires the lock.
const std::shared_ptr<prometheus::Registry>& process_registry_locked(Registries& state) {
  if (!state.process) state.process = std::make_shared<prometheus::Registry>();
  return state.process;
}

}  // namespace

std::shared_ptr<prometheus::Registry> current_registry() {
  Registries& state = registries();
  const std::lock_guard lock(state.mutex);
  if (!state.scopes.empty()) return state.scopes.back().second;
  return process_registry_locked(state);
}

std::shared_ptr<prometheus::Registry> process_registry() {
  Registries& state = registries();
  const std::lock_guard lock(state.mutex);
  return process_registry_locked(state);
}

void set_process_registry(std::shared_ptr<prometheus::Registry> registry) {
  if (!registry) throw std::invalid_argument("mmtest::set_process_registry(): the registry is null");
  Registries& state = registries();
  const std::lock_guard lock(state.mutex);
  state.process = std::move(registry);
}

ScopedRegistry::ScopedRegistry(std::shared_ptr<prometheus::Registry> registry) : registry_(std::move(registry)) {
  if (!registry_) throw std::invalid_argument("mmtest::ScopedRegistry: the registry is null");
  Registries& state = registries();
  const std::lock_guard lock(state.mutex);
  state.scopes.emplace_back(this, registry_);
}

ScopedRegistry::~ScopedRegistry() {
  Registries& state = registries();
  const std::lock_guard lock(state.mutex);
  const auto mine = std::find_if(state.scopes.rbegin(), state.scopes.rend(),
                                 [this](const auto& scope) { return scope.first == this; });
  if (mine != state.scopes.rend()) state.scopes.erase(std::next(mine).base());
}

}  // namespace mmtest
