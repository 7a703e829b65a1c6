#include "template.hpp"

#include <algorithm>

namespace rw::run {
namespace {

bool is_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// The text without comment lines (their newline goes too).
std::string strip_comments(std::string_view text) {
  std::string kept;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    end = end == std::string_view::npos ? text.size() : end + 1;
    const std::string_view line = text.substr(start, end - start);
    const std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] != '#') kept.append(line);
    start = end;
  }
  return kept;
}

std::string join(const std::vector<std::string> &items) {
  std::string out;
  for (const std::string &item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

PipelineTemplate PipelineTemplate::parse(std::string_view raw) {
  const std::string text = strip_comments(raw);
  PipelineTemplate result;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t open = text.find("${", pos);
    if (open == std::string::npos) {
      result.pieces_.push_back({text.substr(pos), ""});
      break;
    }
    result.pieces_.push_back({text.substr(pos, open - pos), ""});
    const std::size_t close = text.find('}', open);
    if (close == std::string::npos) {
      throw TemplateError("unclosed \"${\" in the template at: " + text.substr(open, 40));
    }
    const std::string body = text.substr(open + 2, close - open - 2);
    const std::size_t dash = body.find(":-");
    TemplateVariable variable{body.substr(0, dash), std::nullopt};
    if (dash != std::string::npos) variable.fallback = body.substr(dash + 2);
    if (!is_name(variable.name)) {
      throw TemplateError("bad variable name \"${" + body +
                          "}\" in the template: use capitals, digits and _");
    }
    const auto known = std::find_if(result.variables_.begin(), result.variables_.end(),
                                    [&](const auto &v) { return v.name == variable.name; });
    if (known == result.variables_.end()) {
      result.variables_.push_back(variable);
    } else if (variable.fallback && known->fallback != variable.fallback) {
      if (known->fallback) {
        throw TemplateError("variable " + variable.name +
                            " has two different defaults in the template");
      }
      known->fallback = variable.fallback;  // ${A} then ${A:-x}: x is A's default
    }
    result.pieces_.push_back({"", variable.name});
    pos = close + 1;
  }
  return result;
}

std::map<std::string, std::string> PipelineTemplate::resolve(
    const std::map<std::string, std::string> &values,
    const std::set<std::string> &also_known) const {
  std::vector<std::string> problems;
  for (const auto &[name, value] : values) {
    const bool used = std::any_of(variables_.begin(), variables_.end(),
                                  [&](const auto &v) { return v.name == name; });
    if (!used && also_known.count(name) == 0) problems.push_back("unknown variable " + name);
  }
  std::map<std::string, std::string> resolved;
  for (const TemplateVariable &variable : variables_) {
    const auto given = values.find(variable.name);
    if (given != values.end()) {
      resolved[variable.name] = given->second;
    } else if (variable.fallback) {
      resolved[variable.name] = *variable.fallback;
    } else {
      problems.push_back("missing variable " + variable.name + " (no default in the template)");
    }
  }
  for (const auto &[name, value] : values) {
    if (also_known.count(name) != 0) resolved[name] = value;
  }
  if (!problems.empty()) {
    std::vector<std::string> names;
    for (const TemplateVariable &variable : variables_) names.push_back(variable.name);
    throw TemplateError(join(problems) + "; the template's variables are: " + join(names));
  }
  return resolved;
}

std::string PipelineTemplate::expand(const std::map<std::string, std::string> &resolved) const {
  std::string out;
  for (const Piece &piece : pieces_) {
    if (piece.variable.empty()) {
      out += piece.text;
    } else {
      out += quote_value(resolved.at(piece.variable));
    }
  }
  return out;
}

std::string quote_value(std::string_view value) {
  std::string quoted = "\"";
  for (const char c : value) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

}  // namespace rw::run
