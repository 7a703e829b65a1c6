#pragma once

#include "options.hpp"
#include "plan.hpp"

namespace rw::run {

// Runs the plan's pipeline until end of file, a fatal error or SIGTERM/SIGINT, rebuilding a
// live one after errors and stalls; returns the exit status (0 stopped, 1 failed).
// gst_init() must have run.
int supervise(const Plan &plan, const Options &options);

}  // namespace rw::run
