// Regular expressions on Boost.Regex (see regexp.h).
#include "engine/krl/regexp.h"

#include <boost/regex.hpp>

#include "engine/krl/error.h"

namespace spime::krl {

namespace {

const boost::regex& compiled(const RegExp& re) {
  return *static_cast<const boost::regex*>(re.compiled.get());
}

// The reason JavaScript gives for a pattern Boost refuses (close enough to let
// a KRL author find the problem; the exact wording differs per JS engine).
std::string reason_for(const boost::regex_error& e) {
  switch (e.code()) {
    case boost::regex_constants::error_paren:
      return "Unterminated group";
    case boost::regex_constants::error_brack:
      return "Unterminated character class";
    case boost::regex_constants::error_escape:
      return "\\ at end of pattern";
    case boost::regex_constants::error_badrepeat:
      return "Nothing to repeat";
    case boost::regex_constants::error_range:
      return "Range out of order in character class";
    case boost::regex_constants::error_brace:
    case boost::regex_constants::error_badbrace:
      return "Incomplete quantifier";
    case boost::regex_constants::error_backref:
      return "Invalid back reference";
    default: {
      std::string what = e.what();
      size_t dot = what.find(".  ");
      return dot == std::string::npos ? what : what.substr(0, dot);
    }
  }
}

[[noreturn]] void too_complex() {
  throw KrlError("regular expression too complex to match (catastrophic backtracking)",
                 "RangeError");
}

bool search_from(const RegExp& re, std::string_view text, std::size_t start, RegexMatch* out) {
  if (start > text.size()) return false;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  boost::cmatch m;
  auto flags = boost::match_default;
  if (start > 0) flags |= boost::match_prev_avail;  // \b and lookbehind see the byte before
  bool found;
  try {
    found = boost::regex_search(begin + start, end, m, compiled(re), flags);
  } catch (const std::runtime_error&) {
    too_complex();
  }
  if (!found) return false;
  out->position = static_cast<std::size_t>(m[0].first - begin);
  out->length = static_cast<std::size_t>(m[0].second - m[0].first);
  out->groups.clear();
  out->groups.reserve(m.size());
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (m[i].matched) {
      out->groups.emplace_back(std::string(m[i].first, m[i].second));
    } else {
      out->groups.emplace_back(std::nullopt);
    }
  }
  return true;
}

// JS GetSubstitution: expands $$, $&, $`, $', $n and $nn.
void substitute(std::string_view text, const RegexMatch& m, std::string_view repl,
                std::string& out) {
  const std::size_t ngroups = m.groups.size() - 1;
  for (std::size_t i = 0; i < repl.size(); ++i) {
    char c = repl[i];
    if (c != '$' || i + 1 >= repl.size()) {
      out += c;
      continue;
    }
    char d = repl[i + 1];
    if (d == '$') {
      out += '$';
      ++i;
    } else if (d == '&') {
      out.append(text.substr(m.position, m.length));
      ++i;
    } else if (d == '`') {
      out.append(text.substr(0, m.position));
      ++i;
    } else if (d == '\'') {
      std::size_t after = m.position + m.length;
      if (after < text.size()) out.append(text.substr(after));
      ++i;
    } else if (d >= '0' && d <= '9') {
      std::size_t n1 = static_cast<std::size_t>(d - '0');
      std::size_t used = 0, n = 0;
      // Two digits when they name an existing group, else one.
      if (i + 2 < repl.size() && repl[i + 2] >= '0' && repl[i + 2] <= '9') {
        std::size_t n2 = n1 * 10 + static_cast<std::size_t>(repl[i + 2] - '0');
        if (n2 >= 1 && n2 <= ngroups) {
          n = n2;
          used = 2;
        }
      }
      if (!used && n1 >= 1 && n1 <= ngroups) {
        n = n1;
        used = 1;
      }
      if (!used) {
        out += c;  // no such group: literal
        continue;
      }
      if (m.groups[n]) out += *m.groups[n];
      i += used;
    } else {
      out += c;
    }
  }
}

}  // namespace

std::shared_ptr<const RegExp> make_regexp(std::string source, std::string flags) {
  auto re = std::make_shared<RegExp>();
  for (char f : flags) {
    bool& flag = f == 'g' ? re->global : re->ignore_case;
    if ((f != 'g' && f != 'i') || flag) {
      throw KrlError("Invalid flags supplied to RegExp constructor '" + flags + "'", "SyntaxError");
    }
    flag = true;
  }
  // JS semantics: ^ and $ only at the ends of the input, . not across lines.
  auto syntax = boost::regex::ECMAScript | boost::regex::no_mod_m | boost::regex::no_mod_s;
  if (re->ignore_case) syntax |= boost::regex::icase;
  try {
    re->compiled = std::make_shared<const boost::regex>(source, syntax);
  } catch (const boost::regex_error& e) {
    throw KrlError("Invalid regular expression: /" + source + "/: " + reason_for(e), "SyntaxError");
  }
  re->source = std::move(source);
  return re;
}

bool regexp_search(const RegExp& re, std::string_view text,
                   std::vector<std::optional<std::string>>* groups) {
  RegexMatch m;
  if (!search_from(re, text, 0, &m)) return false;
  if (groups) *groups = std::move(m.groups);
  return true;
}

bool regexp_search_at(const RegExp& re, std::string_view text, std::size_t start,
                      RegexMatch* match) {
  RegexMatch m;
  if (!search_from(re, text, start, &m)) return false;
  *match = std::move(m);
  return true;
}

void regexp_for_each(const RegExp& re, std::string_view text,
                     const std::function<bool(const RegexMatch&)>& fn) {
  std::size_t at = 0;
  RegexMatch m;
  while (search_from(re, text, at, &m)) {
    if (!fn(m)) return;
    at = m.position + m.length;
    if (m.length == 0) ++at;  // an empty match: step over one byte
  }
}

std::string regexp_replace_fn(const RegExp& re, std::string_view text,
                              const std::function<std::string(const RegexMatch&)>& fn) {
  std::string out;
  std::size_t last = 0;
  regexp_for_each(re, text, [&](const RegexMatch& m) {
    out.append(text.substr(last, m.position - last));
    out += fn(m);
    last = m.position + m.length;
    return re.global;
  });
  out.append(text.substr(last));
  return out;
}

std::string regexp_replace(const RegExp& re, std::string_view text, std::string_view replacement) {
  return regexp_replace_fn(re, text, [&](const RegexMatch& m) {
    std::string s;
    substitute(text, m, replacement, s);
    return s;
  });
}

std::vector<std::optional<std::string>> regexp_split(const RegExp& re, std::string_view text) {
  std::vector<std::optional<std::string>> out;
  RegexMatch m;
  if (text.empty()) {
    if (!search_from(re, text, 0, &m)) out.emplace_back(std::string());
    return out;
  }
  // The ECMAScript @@split loop: p is where the current piece starts.
  std::size_t p = 0, q = 0;
  while (q < text.size() && search_from(re, text, q, &m)) {
    if (m.position >= text.size()) break;
    std::size_t e = m.position + m.length;
    if (e == p) {  // an empty match where the piece starts: try one further
      q = m.position + 1;
      continue;
    }
    out.emplace_back(std::string(text.substr(p, m.position - p)));
    for (std::size_t g = 1; g < m.groups.size(); ++g) out.push_back(m.groups[g]);
    p = e;
    q = p;
  }
  out.emplace_back(std::string(text.substr(p)));
  return out;
}

}  // namespace spime::krl
