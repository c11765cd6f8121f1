#pragma once

// CPU demand: how many CPUs a test holds while it runs, in tenths of a CPU (one slot of the
// resource spec's mmtest_cpus ids, record::kCpuSlotsPerCpu a CPU). A test is declared one CPU, or
// its PROCESSORS; once it has run, the ctest-time hook learns its demand from the history and
// holds that instead, unless the declaration is fixed (FIXED_PROCESSORS, a performance test,
// PIN_CPUS) or learning is off (MMTEST_LEARN_CPU=0). docs/user-guide.md, "CPUs: declared, learned,
// calibrated".

#include <cstddef>
#include <expected>
#include <filesystem>
#include <functional>
#include <map>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mmtest/plan/manifest.hpp"

namespace mmtest::plan {

// The tenths of a CPU in "2", "0.5" or "1.5" (at most one decimal, at most 6 digits before the
// point, above 0), as PROCESSORS is written in CMake and in the manifest; nullopt for anything
// else. The CMake side's rule is _mm_cpu_tenths (cmake/internal/Units.cmake);
// tests/conformance/units.txt ("processors" rows) holds the cases both answer.
std::optional<std::uint64_t> parse_cpu_tenths(std::string_view text);

// "2", "0.5", "1.5": tenths of a CPU as PROCESSORS writes them.
std::string format_cpu_tenths(std::uint64_t tenths);

// What one earlier run of a test tells about its CPU use (its record, through the history).
struct CpuUse {
  double wall_seconds = 0;
  double cpu_seconds = 0;
  std::optional<double> wait_seconds;  // runnable, waiting for a CPU (all threads, summed)
  std::optional<double> peak;          // most CPUs busy over a quarter second
  std::optional<double> held;          // the CPUs CTest reserved for it (cpus_reserved)
};

// The runs a demand is learned from: the newest this many.
inline constexpr std::size_t kDemandRuns = 5;
// The runs whose holdings are compared (kWorthwhileSpeedup): the newest this many. Longer than
// kDemandRuns, so that a test found to gain nothing from more CPUs holds them again, to check, only
// once the runs that held them are this old: one run in twenty rather than one in five (on
// google/benchmark's suite such a run takes 0.7 s longer). A test that has since come to use its
// CPUs is seen at once: its lesser runs grow slower than the fuller ones.
inline constexpr std::size_t kHoldingRuns = 20;
// Under this many CPUs kept busy or waited for, a test is idle: it holds no CPU (when the spec
// has the idle pool).
inline constexpr double kIdleDemand = 0.1;
// CPUs that bought no time: a test whose runs holding the most it ever held (more than one CPU)
// were not at least this much faster than its runs holding at most 80 % of that (and one CPU or
// more) holds the most those lesser runs held. Threads that spin or poll for a set time use every
// CPU they are given and finish no sooner; held, those CPUs only keep other tests waiting. With
// at least a quarter more CPUs, a test that divides its work among threads runs at least 20 %
// faster: twice this line.
inline constexpr double kWorthwhileSpeedup = 0.10;
// The comparison is made only when the lesser runs took this long (their median wall time): under a
// second, a wall time says more about what ran beside the test and what its start cost than about
// what it held. google/benchmark's user_counters_tabular_test took 0.17 s holding one CPU on a
// quiet first run and 0.18 s holding 1.6; held one, it then took 0.31 s beside another threaded
// test and was starved. A short test holds what it uses, which costs the others little.
inline constexpr double kNoFasterMinSeconds = 1.0;

// What a test was seen to need. `mean` is the CPUs it kept busy or waited for over its life,
// (cpu + wait) / wall, so that a test starved of a CPU is not taken to need less; `tenths` is that
// rounded to the nearest tenth (half a tenth rounds down: a single-threaded test measured at 1.05
// holds one CPU), at least one: what PROCESSORS would declare. `idle` when it is under a tenth of
// a CPU: a test that sleeps or waits. Not when it rounds to none: a sleeper that started beside
// busy tests waits a few hundredths of a second for a CPU to start, which puts it at 0.06 or so;
// held as a tenth it would then wait for a gap in the CPUs again, and the runs would alternate.
struct LearnedDemand {
  std::uint64_t tenths = 0;
  bool idle = false;
  double mean = 0;
  std::optional<double> peak;  // the highest peak of those runs
  std::size_t runs = 0;
  // What `mean` asked for, when the runs showed that holding it bought no time (kWorthwhileSpeedup)
  // and `tenths` is what the lesser runs held instead.
  std::optional<std::uint64_t> no_faster_tenths;
  // With no_faster_tenths: the most the fuller runs held, which were no faster.
  std::uint64_t fuller_tenths = 0;
};

// The demand over the runs, newest first (the first kDemandRuns with a wall time count): the
// median of their means from three runs on, the larger of two, else the one. One noisy run can
// neither lower nor raise it past the others. Then, above one CPU, the holdings of the first
// kHoldingRuns are compared (kWorthwhileSpeedup): when those that held the most (the fuller
// runs) took a median wall time above 90 % of the median of those that held one CPU or more but
// at most 80 % of that (the lesser runs), and that median is a second or more
// (kNoFasterMinSeconds), the demand is the most a lesser run held. Each new run at the lesser
// holding adds to the evidence; once the fuller runs have left the last kHoldingRuns, the test
// holds what it uses again and the comparison is made afresh. nullopt without a usable run.
std::optional<LearnedDemand> learn_demand(std::span<const CpuUse> newest_first);

// What a test holds on this run, in tenths: its declaration when fixed or nothing was learned (a
// declaration above the budget stays so: CTest reports the test Not Run, and says why), else the
// learned demand, never more than the budget (a test learned above it holds every CPU rather than
// never running); at least one tenth, except 0 for a test learned idle when the spec has the idle
// pool (`idle_pool`): it holds a slot of that pool and no CPU.
std::uint64_t demand_tenths(std::uint64_t declared_tenths, bool fixed, const std::optional<LearnedDemand>& learned,
                            std::uint64_t budget_tenths, bool idle_pool);

// CPU overcommit: the tenths of a CPU that fractions of a CPU may add on each CPU id, beyond its
// ten (MMTEST_CPU_OVERCOMMIT, in per cent: 0, 10, 20 or 30). mmtest's spec gives each CPU id
// 10 + that many slots, while a whole CPU stays a group of ten: two whole CPUs never share an id,
// so tests that hold whole CPUs run as strictly as without, and only fractions (a test learned at
// 1.3 CPUs, a 0.5 declaration) may overlap them, by at most that much. At 30 % every test still
// gets more than 1 / 1.3 = 77 % of what it holds when all run flat out, above the line a record
// is starved at (75 %): the default, and the most allowed.
inline constexpr std::uint64_t kDefaultOvercommitTenths = 3;
inline constexpr std::uint64_t kMaxOvercommitTenths = 3;

// The tenths per CPU id of "0", "10", "20" or "30" (per cent, an optional trailing '%');
// nullopt for anything else. The CMake side's rule is _mm_cpu_overcommit_error
// (cmake/internal/Units.cmake); tests/conformance/units.txt ("overcommit" rows) holds the cases
// both answer.
std::optional<std::uint64_t> parse_cpu_overcommit(std::string_view text);

// The RESOURCE_GROUPS entries holding `tenths` of a CPU on a spec whose CPU ids have
// `slots_per_cpu` slots a CPU: a group of a whole id per whole CPU ("mmtest_cpus:10", or
// "3,mmtest_cpus:10" for three), then one for the rest ("mmtest_cpus:5"), which on a spec of
// fewer slots a CPU takes its share rounded up. The CMake side's rule is _mm_cpu_groups
// (cmake/internal/Resources.cmake); tests/conformance/units.txt holds the cases both answer.
// With `overcommit_tenths` (the spec's ids have that many slots more than a CPU), a rest above it
// is split into groups of at most that many ("mmtest_cpus:3;mmtest_cpus:3" for 0.6), so that it
// can fill the room beside the whole CPUs other tests hold instead of taking an id of its own.
// No tenth (a test learned idle): one slot of the idle pool, "mmtest_idle:1".
std::vector<std::string> cpu_groups(std::uint64_t tenths, std::uint64_t slots_per_cpu,
                                    std::uint64_t overcommit_tenths = 0);

// The bracket argument of CMake that holds `text` as it is: [=[...]=] with enough '='.
std::string cmake_bracket(std::string_view text);

// Sets each test's cpu_tenths to its demand on this run (demand_tenths() over learn_demand() of
// its uses, when `learn` and the test is not fixed), and writes the file the ctest-time hook
// includes: the slots of a CPU in this run's spec (_MM_CPU_SLOTS), then the CPU groups of each
// test whose groups on this run (its demand, the spec, the overcommit's split of a fraction)
// differ from those it declared at configure time (a global property "_MM_CPU_GROUPS <name>").
// Written whole every run, so a test whose demand went back to its declaration loses its entry.
// A fixed test's fraction is not split: it is pinned to the ids it gets.
// `idle_pool`: the spec has the idle pool (mmtest's own always does; one given to ctest may not,
// and then a test learned idle holds the floor of a tenth).
struct DemandSummary {
  std::size_t learned = 0;  // tests holding a learned demand
  std::size_t idle = 0;     // of those, tests learned idle, holding no CPU
  std::size_t no_faster = 0;  // of those, tests holding less because more CPUs bought them no time
  std::size_t fixed = 0;    // tests whose declaration is fixed
  std::uint64_t least_tenths = UINT64_MAX, most_tenths = 0;  // over the learned ones holding CPU
};
std::expected<DemandSummary, std::string> apply_cpu_demand(
    std::vector<ManifestTest>& tests, const std::map<std::string, std::vector<CpuUse>, std::less<>>& uses, bool learn,
    std::uint64_t budget_cpus, std::uint64_t slots_per_cpu, std::uint64_t overcommit_tenths, bool idle_pool,
    const std::filesystem::path& file);

}  // namespace mmtest::plan
