#pragma once

// The exit-code contract of mmtest-run (docs/launcher.md). A test that exits on its own passes its
// code through unchanged; a test that dies of signal N makes mmtest-run die of signal N too.
namespace mmtest::run::exit_code {

inline constexpr int kPassed = 0;
inline constexpr int kLeaked = 121;          // main process passed but left live descendants behind
inline constexpr int kProcessLimit = 122;    // more live processes than --max-processes
inline constexpr int kMemory = 123;          // memory budget exceeded, tree killed
inline constexpr int kTimeout = 124;         // --timeout reached (same code as GNU timeout)
inline constexpr int kUsage = 125;           // bad option or setup failure: nothing was run
inline constexpr int kNotExecutable = 126;   // COMMAND exists but cannot be executed
inline constexpr int kNotFound = 127;        // COMMAND not found

}  // namespace mmtest::run::exit_code
