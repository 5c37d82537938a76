// A strict parser of Prometheus's text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/), for the
// tests of GET /metrics.
//
// Strict: every line must be `# HELP name text`, `# TYPE name type`, another
// `# ` comment, or a sample `name[{label="value",...}] value [timestamp]`;
// the text ends with a newline; names and label names match the format's
// grammar; label values use only the escapes \\ \" \n; values are Go floats
// (or NaN, +Inf, -Inf); a TYPE comes at most once per name and before that
// family's first sample; a family's samples are consecutive (no family
// comes back later); a sample of a typed family uses only the names its
// type allows (a histogram's name_bucket with `le`, name_sum, name_count);
// no sample (name and label set) appears twice. Anything else is an error
// naming the line.
//
// check_histograms() adds what a histogram promises: per label set, buckets
// in increasing `le` with non-decreasing counts, the last one le="+Inf",
// equal to name_count, and a name_sum.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace spime::integration {

struct PromSample {
  std::string name;                           // as written (e.g. x_bucket)
  std::map<std::string, std::string> labels;  // unescaped
  double value = 0;
};

struct PromFamily {
  std::string name;
  std::string type = "untyped";  // counter, gauge, histogram, summary, untyped
  std::string help;
  std::vector<PromSample> samples;
};

struct PromText {
  std::vector<PromFamily> families;  // in order

  const PromFamily* family(std::string_view name) const;
  // The value of the sample `name` whose labels include every one of
  // `labels`; `fallback` when there is none. Exactly one must match when any do.
  double value(std::string_view name, const std::map<std::string, std::string>& labels = {},
               double fallback = 0) const;
};

// false + *error ("line N: why") when `text` is not valid exposition text.
bool parse_prometheus_text(std::string_view text, PromText* out, std::string* error);

// false + *error when a histogram family breaks its invariants (above).
bool check_histograms(const PromText& text, std::string* error);

}  // namespace spime::integration
