// The HTML report in a real headless Chromium: the page renders, its script draws the timeline and
// the stacked memory (the screenshot's pixels say so, and a screenshot with scripts disabled is
// the control), and a test named like markup stays text. Chromium runs under mmtest-run, which
// reaps every process it starts.
#include <png.h>
#include <stdlib.h>
#include <unistd.h>

#include <array>
#include <fstream>

#include "../launcher/support.hpp"
#include "fake_records.hpp"

namespace mmtest::launcher_test {
namespace {

const std::string kTool = MMTEST_TOOL_PATH;
const std::string kChromium = "/usr/bin/chromium";

// A directory with a short path: Chromium puts a Unix socket inside TMPDIR, and a socket path
// has at most 107 bytes, which the launcher's per-test TMPDIR plus Chromium's names exceed.
class ShortTempDir {
 public:
  ShortTempDir() {
    std::string pattern = "/tmp/mmc.XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~ShortTempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  ShortTempDir(const ShortTempDir&) = delete;
  ShortTempDir& operator=(const ShortTempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
constexpr const char* kXss = "<img src=x onerror=alert(1)>";

struct Image {
  std::size_t width = 0, height = 0;
  std::vector<std::uint8_t> rgba;
};

Image load_png(const std::filesystem::path& path) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  Image loaded;
  if (!png_image_begin_read_from_file(&image, path.c_str())) return loaded;
  image.format = PNG_FORMAT_RGBA;
  loaded.rgba.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, loaded.rgba.data(), 0, nullptr)) return {};
  loaded.width = image.width;
  loaded.height = image.height;
  return loaded;
}

// Pixels within 6 per channel of #rrggbb.
std::size_t pixels_near(const Image& image, std::array<int, 3> colour) {
  std::size_t count = 0;
  for (std::size_t i = 0; i + 3 < image.rgba.size(); i += 4) {
    bool near = true;
    for (int c = 0; c < 3; ++c) near = near && std::abs(int(image.rgba[i + c]) - colour[c]) <= 6;
    count += near;
  }
  return count;
}

constexpr std::array<int, 3> kPassedBar{0x2e, 0x7d, 0x32};
constexpr std::array<int, 3> kFailedBar{0xc6, 0x28, 0x28};
constexpr std::array<int, 3> kMemoryLight{0x42, 0xa5, 0xf5};
constexpr std::array<int, 3> kMemoryDark{0x15, 0x65, 0xc0};

class Browser : public LauncherTest {
 protected:
  void SetUp() override {
    if (::access(kChromium.c_str(), X_OK) != 0) GTEST_SKIP() << kChromium << " is not installed (Debian package chromium)";
    ASSERT_FALSE(short_tmp_.path().empty()) << "mkdtemp(/tmp/mmc.XXXXXX) failed";
    const auto records = dir_ / "records";
    tool::testing::write_fake(records, {.name = "replay", .start = 0, .wall = 6, .peak_mib = 600, .limit_mib = 800,
                                        .samples_mib = {{0.02, 100}, {2, 400}, {4, 600}}});
    tool::testing::write_fake(records, {.name = kXss, .start = 1, .wall = 5, .peak_mib = 200, .limit_mib = 256,
                                        .outcome = "memory", .diagnosis = std::string("mmtest: ") + kXss + " killed"});
    tool::testing::write_fake(records, {.name = "unit", .start = 6.5, .wall = 3, .peak_mib = 50, .limit_mib = 64});
    const RunResult report = run({kTool, "report", records, "--quiet", "--no-history", "--budget", "1G", "--html", page_});
    EXPECT_TRUE(report.status.exited_with(0)) << report.err;
  }

  // Chromium, headless, on the page, with a fresh profile, under mmtest-run: whatever it starts
  // is killed and reaped when it ends, and the launcher's own timeout bounds it.
  RunResult chromium(std::vector<std::string> arguments) {
    static int profile = 0;
    std::vector<std::string> argv{kLauncher, "--name", "chromium", "--timeout", "120", "--allow-leaks", "--",
                                  kChromium, "--headless", "--no-sandbox", "--disable-gpu",
                                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                                  "--no-first-run", "--hide-scrollbars",
                                  "--user-data-dir=" + (dir_ / ("profile" + std::to_string(++profile))).string()};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    argv.push_back("file://" + page_.string());
    return run(argv, {.env = {{"TMPDIR", short_tmp_.path().string()}, {"MMTEST_TEST_TAG", tag_}}});
  }

  // Chromium's processes do not all carry its command line, but all inherit its environment: the
  // ones still alive with this test's tag there.
  std::vector<pid_t> chromium_survivors() const {
    std::vector<pid_t> pids;
    const std::string wanted = "MMTEST_TEST_TAG=" + tag_;
    std::error_code error;
    for (std::filesystem::directory_iterator it("/proc", error), end; !error && it != end; it.increment(error)) {
      const std::string name = it->path().filename();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::ifstream in(it->path() / "environ");
      for (std::string variable; std::getline(in, variable, '\0');) {
        if (variable == wanted) {
          pids.push_back(std::stoi(name));
          break;
        }
      }
    }
    return pids;
  }

  ShortTempDir short_tmp_;
  std::filesystem::path page_ = dir_ / "report.html";
};

TEST_F(Browser, the_script_draws_the_timeline_and_the_stacked_memory) {
  const auto shot = dir_ / "drawn.png";
  const RunResult drawn = chromium({"--window-size=1200,1200", "--screenshot=" + shot.string()});
  ASSERT_TRUE(drawn.status.exited_with(0)) << drawn.err;
  const Image image = load_png(shot);
  ASSERT_EQ(image.width, 1200u);
  // Timeline bars: 'replay' and 'unit' (6 s and 3 s of 9.5 s on 1000 px, 11 px high), the failed one.
  EXPECT_GT(pixels_near(image, kPassedBar), 5000u);
  EXPECT_GT(pixels_near(image, kFailedBar), 0u);
  // The stacked memory: thousands of pixels of the two blues.
  EXPECT_GT(pixels_near(image, kMemoryLight) + pixels_near(image, kMemoryDark), 20000u);

  // The control: the same page without its drawing script has none of the chart's pixels (only
  // the legend's swatches, 12 × 12 pixels each).
  std::string html = read_file(page_);
  const auto script = html.rfind("<script>");
  ASSERT_NE(script, std::string::npos);
  html.erase(script, html.find("</script>", script) + 9 - script);
  std::ofstream(page_) << html;
  const auto blank = dir_ / "blank.png";
  const RunResult without = chromium({"--window-size=1200,1200", "--screenshot=" + blank.string()});
  ASSERT_TRUE(without.status.exited_with(0)) << without.err;
  const Image control = load_png(blank);
  ASSERT_EQ(control.width, 1200u);
  EXPECT_LT(pixels_near(control, kPassedBar), 400u);
  EXPECT_LT(pixels_near(control, kMemoryLight) + pixels_near(control, kMemoryDark), 100u);
  EXPECT_EQ(chromium_survivors(), std::vector<pid_t>{});
}

TEST_F(Browser, a_test_named_like_markup_stays_text_and_runs_no_script) {
  const RunResult dom = chromium({"--dump-dom"});
  ASSERT_TRUE(dom.status.exited_with(0)) << dom.err;
  // The page's own script ran to its end (it marks the body), and no element came from a name.
  EXPECT_NE(dom.out.find("data-drawn=\"3\""), std::string::npos) << dom.out.substr(0, 3000);
  EXPECT_EQ(dom.out.find("<img"), std::string::npos);
  EXPECT_NE(dom.out.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  EXPECT_EQ(chromium_survivors(), std::vector<pid_t>{});
}

}  // namespace
}  // namespace mmtest::launcher_test
