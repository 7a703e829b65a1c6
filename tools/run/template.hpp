#pragma once

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace rw::run {

// A template, an unknown or missing variable: a usage error (roadwatch-run exits 2).
class TemplateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TemplateVariable {
  std::string name;
  std::optional<std::string> fallback;  // ${NAME:-fallback}
};

// A gst-launch pipeline description with ${NAME} and ${NAME:-default} placeholders (NAME is
// [A-Z_][A-Z0-9_]*). Lines whose first non-blank character is '#' are comments. Every
// placeholder stands for one property value: it expands to that value in double quotes, so
// spaces, '!', '=' or quotes in a value can never change the pipeline's shape.
class PipelineTemplate {
 public:
  // Throws TemplateError for an unclosed "${", a bad name, or one variable given two
  // different defaults.
  static PipelineTemplate parse(std::string_view text);

  // In order of first use, each once.
  const std::vector<TemplateVariable> &variables() const { return variables_; }

  // Every variable's value: from `values`, else the template's default. Throws TemplateError
  // listing every name in `values` that is neither a variable nor in `also_known`, and every
  // variable with neither a value nor a default.
  std::map<std::string, std::string> resolve(const std::map<std::string, std::string> &values,
                                             const std::set<std::string> &also_known = {}) const;

  // The description with each placeholder replaced by its quoted value from `resolved`.
  std::string expand(const std::map<std::string, std::string> &resolved) const;

 private:
  struct Piece {
    std::string text;      // literal text, or
    std::string variable;  // a placeholder when not empty
  };
  std::vector<Piece> pieces_;
  std::vector<TemplateVariable> variables_;
};

// A value as gst_parse_launch reads it back verbatim: in double quotes, with '\' and '"'
// escaped by a backslash.
std::string quote_value(std::string_view value);

}  // namespace rw::run
