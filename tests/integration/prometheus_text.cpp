// A strict reader of the text exposition format. See prometheus_text.h.
#include "tests/integration/prometheus_text.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <set>
#include <stdexcept>
#include <utility>

namespace spime::integration {

namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

bool name_start(char c, bool colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}

bool name_char(char c, bool colon) {
  return name_start(c, colon) || (c >= '0' && c <= '9');
}

// A cursor over one line.
struct Line {
  std::string_view s;
  size_t at = 0;

  bool done() const { return at >= s.size(); }
  char peek() const { return done() ? '\0' : s[at]; }
  void skip_blanks() {
    while (!done() && is_blank(s[at])) ++at;
  }
  // A metric name (colons allowed) or a label name (not).
  bool name(std::string* out, bool colon) {
    const size_t start = at;
    if (done() || !name_start(s[at], colon)) return false;
    while (!done() && name_char(s[at], colon)) ++at;
    *out = std::string(s.substr(start, at - start));
    return true;
  }
  // The next run of non-blank characters.
  std::string_view token() {
    const size_t start = at;
    while (!done() && !is_blank(s[at])) ++at;
    return s.substr(start, at - start);
  }
};

// A Go float as the format allows: decimal or hex, NaN, [+-]Inf, nothing else.
bool parse_value(std::string_view t, double* out) {
  if (t.empty() || is_blank(t.front())) return false;
  const std::string text(t);
  if (text == "NaN") {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (text == "+Inf" || text == "Inf") {
    *out = std::numeric_limits<double>::infinity();
    return true;
  }
  if (text == "-Inf") {
    *out = -std::numeric_limits<double>::infinity();
    return true;
  }
  // strtod would also take "inf", "nan(...)", "infinity": not the format's spellings.
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' ||
          c == 'x' || c == 'X' || c == 'p' || c == 'P' || (c >= 'a' && c <= 'f') ||
          (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return false;
  *out = v;
  return true;
}

bool parse_timestamp(std::string_view t) {
  if (t.empty()) return false;
  size_t i = (t[0] == '-' || t[0] == '+') ? 1 : 0;
  if (i == t.size()) return false;
  for (; i < t.size(); ++i) {
    if (t[i] < '0' || t[i] > '9') return false;
  }
  return true;
}

// `{name="value",...}` at the cursor (the '{' included); labels unescaped.
bool parse_labels(Line& l, std::map<std::string, std::string>* labels, std::string* why) {
  ++l.at;  // '{'
  while (true) {
    l.skip_blanks();
    if (l.peek() == '}') {
      ++l.at;
      return true;
    }
    std::string name;
    if (!l.name(&name, false)) return *why = "bad label name", false;
    l.skip_blanks();
    if (l.peek() != '=') return *why = "'=' expected after label " + name, false;
    ++l.at;
    l.skip_blanks();
    if (l.peek() != '"') return *why = "'\"' expected for label " + name, false;
    ++l.at;
    std::string value;
    bool closed = false;
    while (!l.done()) {
      char c = l.s[l.at++];
      if (c == '"') {
        closed = true;
        break;
      }
      if (c == '\\') {
        if (l.done()) break;
        char e = l.s[l.at++];
        if (e == '\\' || e == '"') {
          value += e;
        } else if (e == 'n') {
          value += '\n';
        } else {
          return *why = std::string("bad escape \\") + e + " in label " + name, false;
        }
        continue;
      }
      value += c;
    }
    if (!closed) return *why = "unterminated value of label " + name, false;
    if (!labels->emplace(name, std::move(value)).second) {
      return *why = "label " + name + " twice", false;
    }
    l.skip_blanks();
    if (l.peek() == ',') {
      ++l.at;
      continue;
    }
    if (l.peek() == '}') {
      ++l.at;
      return true;
    }
    return *why = "',' or '}' expected after label " + name, false;
  }
}

// HELP text: only \\ and \n escapes.
bool unescape_help(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '\\') {
      *out += in[i];
      continue;
    }
    if (++i == in.size()) return false;
    if (in[i] == '\\') {
      *out += '\\';
    } else if (in[i] == 'n') {
      *out += '\n';
    } else {
      return false;
    }
  }
  return true;
}

// Whether a sample called `name` belongs to the family `f` (by its type).
bool belongs(const PromFamily& f, const std::string& name) {
  if (f.type == "histogram") {
    return name == f.name + "_bucket" || name == f.name + "_sum" || name == f.name + "_count";
  }
  if (f.type == "summary") {
    return name == f.name || name == f.name + "_sum" || name == f.name + "_count";
  }
  return name == f.name;
}

class Reader {
 public:
  explicit Reader(PromText* out) : out_(out) {}

  bool line(std::string_view text, std::string* why) {
    Line l{text};
    l.skip_blanks();
    if (l.done()) return true;  // empty lines are ignored
    if (l.peek() == '#') return comment(l, why);
    return sample(l, why);
  }

 private:
  PromFamily* current() { return out_->families.empty() ? nullptr : &out_->families.back(); }

  // The family `name`: the current one, or a new one (never one seen before).
  PromFamily* open(const std::string& name, std::string* why) {
    PromFamily* f = current();
    if (f && f->name == name) return f;
    if (!seen_.insert(name).second) {
      *why = "family " + name + " comes back after another family";
      return nullptr;
    }
    out_->families.push_back(PromFamily{name, "untyped", "", {}});
    return current();
  }

  bool comment(Line& l, std::string* why) {
    ++l.at;  // '#'
    l.skip_blanks();
    const size_t keyword_at = l.at;
    std::string_view keyword = l.token();
    if (keyword != "HELP" && keyword != "TYPE") return true;  // a plain comment
    if (keyword_at == 1) return true;                         // "#HELP": a comment, not a HELP line
    l.skip_blanks();
    std::string name;
    if (!l.name(&name, true)) return *why = "bad metric name in " + std::string(keyword), false;
    if (!l.done() && !is_blank(l.peek())) return *why = "bad metric name " + name, false;
    PromFamily* f = open(name, why);
    if (!f) return false;
    if (keyword == "HELP") {
      if (helped_.count(name)) return *why = "second HELP for " + name, false;
      helped_.insert(name);
      if (!l.done()) ++l.at;  // the one blank before the text
      if (!unescape_help(l.s.substr(l.at), &f->help)) {
        return *why = "bad escape in the HELP of " + name, false;
      }
      return true;
    }
    if (typed_.count(name)) return *why = "second TYPE for " + name, false;
    if (!f->samples.empty()) return *why = "TYPE of " + name + " after its samples", false;
    typed_.insert(name);
    l.skip_blanks();
    std::string type(l.token());
    l.skip_blanks();
    static const std::set<std::string> kTypes = {"counter", "gauge", "histogram", "summary",
                                                 "untyped"};
    if (!kTypes.count(type) || !l.done()) return *why = "bad TYPE for " + name, false;
    f->type = type;
    return true;
  }

  bool sample(Line& l, std::string* why) {
    PromSample s;
    if (!l.name(&s.name, true)) return *why = "a sample must start with a metric name", false;
    if (l.peek() == '{' && !parse_labels(l, &s.labels, why)) return false;
    if (l.done() || !is_blank(l.peek())) return *why = "blank expected after " + s.name, false;
    l.skip_blanks();
    if (!parse_value(l.token(), &s.value)) return *why = "bad value of " + s.name, false;
    l.skip_blanks();
    if (!l.done()) {
      if (!parse_timestamp(l.token())) return *why = "bad timestamp of " + s.name, false;
      l.skip_blanks();
      if (!l.done()) return *why = "junk after the sample " + s.name, false;
    }
    PromFamily* f = current();
    if (!f || !belongs(*f, s.name)) {
      f = open(s.name, why);
      if (!f) return false;
      if (!belongs(*f, s.name)) return *why = s.name + " does not fit its family's type", false;
    }
    if (f->type == "histogram" && s.name == f->name + "_bucket" && !s.labels.count("le")) {
      return *why = s.name + " without an le label", false;
    }
    std::string key = s.name;
    for (const auto& [k, v] : s.labels) key += "\x01" + k + "\x02" + v;
    if (!samples_.insert(key).second) return *why = "sample " + s.name + " twice", false;
    f->samples.push_back(std::move(s));
    return true;
  }

  PromText* out_;
  std::set<std::string> seen_, helped_, typed_, samples_;
};

}  // namespace

const PromFamily* PromText::family(std::string_view name) const {
  for (const PromFamily& f : families) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

double PromText::value(std::string_view name, const std::map<std::string, std::string>& labels,
                       double fallback) const {
  const PromSample* found = nullptr;
  for (const PromFamily& f : families) {
    for (const PromSample& s : f.samples) {
      if (s.name != name) continue;
      bool all = std::all_of(labels.begin(), labels.end(), [&](const auto& kv) {
        auto it = s.labels.find(kv.first);
        return it != s.labels.end() && it->second == kv.second;
      });
      if (!all) continue;
      if (found) throw std::runtime_error("more than one sample " + std::string(name) + " matches");
      found = &s;
    }
  }
  return found ? found->value : fallback;
}

bool parse_prometheus_text(std::string_view text, PromText* out, std::string* error) {
  *out = PromText();
  if (!text.empty() && text.back() != '\n') {
    *error = "the last line does not end with a newline";
    return false;
  }
  Reader reader(out);
  size_t start = 0, number = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    std::string_view line = text.substr(start, end - start);
    ++number;
    std::string why;
    if (line.find('\r') != std::string_view::npos) why = "carriage return";
    if (why.empty()) reader.line(line, &why);
    if (!why.empty()) {
      *error = "line " + std::to_string(number) + ": " + why + ": " + std::string(line);
      return false;
    }
    start = end + 1;
  }
  return true;
}

bool check_histograms(const PromText& text, std::string* error) {
  for (const PromFamily& f : text.families) {
    if (f.type != "histogram") continue;
    // Per label set without `le`: buckets (le, count), count, sum.
    struct Series {
      std::vector<std::pair<double, double>> buckets;
      bool has_count = false, has_sum = false;
      double count = 0;
    };
    std::map<std::map<std::string, std::string>, Series> series;
    for (const PromSample& s : f.samples) {
      std::map<std::string, std::string> labels = s.labels;
      if (s.name == f.name + "_bucket") {
        double le = 0;
        const std::string bound = labels.at("le");
        labels.erase("le");
        if (!parse_value(bound, &le) || std::isnan(le)) {
          *error = f.name + ": bad le \"" + bound + "\"";
          return false;
        }
        series[labels].buckets.emplace_back(le, s.value);
      } else if (s.name == f.name + "_count") {
        series[labels].has_count = true;
        series[labels].count = s.value;
      } else {
        series[labels].has_sum = true;
      }
    }
    for (const auto& [labels, sr] : series) {
      if (!sr.has_count || !sr.has_sum || sr.buckets.empty()) {
        *error = f.name + ": a series lacks its _count, _sum or buckets";
        return false;
      }
      for (size_t i = 1; i < sr.buckets.size(); ++i) {
        if (!(sr.buckets[i].first > sr.buckets[i - 1].first)) {
          *error = f.name + ": buckets not in increasing le";
          return false;
        }
        if (sr.buckets[i].second < sr.buckets[i - 1].second) {
          *error = f.name + ": bucket counts not cumulative";
          return false;
        }
      }
      if (!std::isinf(sr.buckets.back().first) || sr.buckets.back().first < 0) {
        *error = f.name + ": the last bucket is not le=\"+Inf\"";
        return false;
      }
      if (sr.buckets.back().second != sr.count) {
        *error = f.name + ": the +Inf bucket differs from _count";
        return false;
      }
    }
  }
  return true;
}

}  // namespace spime::integration
