#pragma once

#include <gtest/gtest.h>

#include <string>

// Checks that text contains part, and shows both when it does not.
#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "'" << (part) << "' not in: " << (text)
