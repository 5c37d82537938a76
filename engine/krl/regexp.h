// Regular expressions for KRL (`re#source#flags`, as("RegExp"), like, match,
// extract, replace, split).
//
// Patterns are compiled with Boost.Regex in ECMAScript mode and match bytes of
// UTF-8 text (a `.` matches one byte, not one code point). Flags: `i` ignores
// case; `g` changes nothing in matching, only how replace/extract iterate.
// Every position and length below is a byte offset into the subject text.
//
// Thread-safety: a compiled RegExp is immutable and may be used from many
// threads at once.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/krl/value.h"

namespace spime::krl {

// Compiles `source` with `flags` (any of "g", "i", each at most once).
// Throws KrlError kind "SyntaxError" on a bad pattern
//   ("Invalid regular expression: /<source>/: <reason>")
// or a bad flag ("Invalid flags supplied to RegExp constructor '<flags>'"),
// the messages JavaScript's RegExp constructor gives.
std::shared_ptr<const RegExp> make_regexp(std::string source, std::string flags = "");

// One match: where it is and its groups. groups[0] is the whole match; an
// unmatched group is nullopt.
struct RegexMatch {
  std::size_t position = 0;  // byte offset of the match in the subject
  std::size_t length = 0;    // byte length of the whole match
  std::vector<std::optional<std::string>> groups;
};

// Finds the first match in `text` (the RegExp's `g` flag is ignored).
// Returns false when none. When `groups` is given it receives the groups as
// RegexMatch::groups. Equivalent to JS `re.exec(text)` with lastIndex 0.
bool regexp_search(const RegExp& re, std::string_view text,
                   std::vector<std::optional<std::string>>* groups);

// Finds the first match starting at or after byte offset `start`; false when
// none (or start > text.size()).
bool regexp_search_at(const RegExp& re, std::string_view text, std::size_t start,
                      RegexMatch* match);

// Calls `fn` for every match, left to right, non-overlapping, as JS iterates a
// global regexp: after an empty match the search resumes one byte further.
// Ignores the `g` flag (callers decide whether to stop after the first).
// `fn` returns false to stop early.
void regexp_for_each(const RegExp& re, std::string_view text,
                     const std::function<bool(const RegexMatch&)>& fn);

// JS String.prototype.replace with a regexp: replaces the first match, or
// every match when the RegExp is global. In `replacement`, `$$` is "$", `$&`
// the match, `` $` `` the text before it, `$'` the text after it, `$n`/`$nn`
// group n (empty when unmatched; kept literally when there is no such group).
std::string regexp_replace(const RegExp& re, std::string_view text, std::string_view replacement);

// Like regexp_replace, but each match is replaced by fn(match) verbatim.
std::string regexp_replace_fn(const RegExp& re, std::string_view text,
                              const std::function<std::string(const RegexMatch&)>& fn);

// JS String.prototype.split with a regexp separator: the pieces between
// matches, with every capture group of each match spliced in after its piece
// (an unmatched group as nullopt, i.e. JS undefined). An empty match at the
// very start or end of the text does not split; "" splits into [""] unless
// the regexp matches "", then into [].
std::vector<std::optional<std::string>> regexp_split(const RegExp& re, std::string_view text);

}  // namespace spime::krl
