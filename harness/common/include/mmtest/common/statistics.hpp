#pragma once

#include <vector>

namespace mmtest {

// The middle value (the mean of the two middle values for an even count); 0 for no values. The
// planner's duration estimates and the history's medians use this one definition.
double median(std::vector<double> values);

}  // namespace mmtest
