// roadwatch-run: builds a pipeline from a template, runs and supervises it, and reports its
// status to Redis (pipelines/README.md).
#include <gst/gst.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "options.hpp"
#include "plan.hpp"
#include "supervisor.hpp"
#include "template.hpp"

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  rw::run::Options options;
  rw::run::Plan plan;
  try {
    options = rw::run::parse_options(std::vector<std::string>(argv + 1, argv + argc));
    if (options.help) {
      std::fputs(rw::run::usage().c_str(), stdout);
      return 0;
    }
    std::ifstream file(options.template_path);
    if (!file) throw rw::run::UsageError("cannot read the template " + options.template_path);
    std::stringstream text;
    text << file.rdbuf();
    plan = rw::run::make_plan(options, text.str());
  } catch (const std::exception &e) {  // UsageError, TemplateError
    std::fprintf(stderr, "roadwatch-run: %s\n", e.what());
    return 2;
  }
  return rw::run::supervise(plan, options);
}
