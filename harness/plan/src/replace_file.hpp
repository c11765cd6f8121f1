#pragma once

// Private to mmtest::plan: the files the ctest-time hook writes for CTest (the cost file, the
// resource spec) are replaced whole, never seen half-written.

#include <expected>
#include <filesystem>
#include <string>

namespace mmtest::plan {

// Writes `text` beside `path` under a name of this process, then renames it over `path` (its
// folder is created first). Two writers each rename a whole file; the last one wins.
std::expected<void, std::string> replace_file(const std::filesystem::path& path, const std::string& text);

}  // namespace mmtest::plan
