#include "process_memory.hpp"

#include <gtest/gtest.h>

namespace mmtest::gtest_detail {
namespace {

TEST(ProcText, vm_hwm_and_statm_are_parsed) {
  EXPECT_EQ(vm_hwm_bytes("Name:\tx\nVmPeak:\t  999 kB\nVmHWM:\t    1234 kB\nVmRSS:\t 1000 kB\n"), 1234u * 1024);
  EXPECT_FALSE(vm_hwm_bytes("Name:\tx\nVmRSS:\t 1000 kB\n"));
  EXPECT_FALSE(vm_hwm_bytes(""));
  EXPECT_EQ(statm_resident_pages("5000 1200 300 10 0 900 0\n"), 1200u);
  EXPECT_FALSE(statm_resident_pages("5000"));
  EXPECT_FALSE(statm_resident_pages(""));
}

TEST(ProcessMemory, reads_this_process_and_resets_its_peak) {
  const RssReader reader;
  const auto rss = reader.rss_bytes();
  ASSERT_TRUE(rss);
  EXPECT_GT(*rss, 0u);
  PeakTracker peak;
  ASSERT_TRUE(peak.reset(*rss)) << peak.problem().value_or("");
  const auto high = peak.peak_bytes();
  ASSERT_TRUE(high);
  EXPECT_GE(*high, *rss / 2);
}

}  // namespace
}  // namespace mmtest::gtest_detail
