#include "engine/krl/lexer.h"

#include <cstring>

namespace spime::krl {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_symbol_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}
bool is_symbol_char(char c) {
  return is_symbol_start(c) || is_digit(c);
}

}  // namespace

Lexer::Lexer(std::string_view source) : src_(source) {}

Token Lexer::next() {
  while (pending_count_ == 0 && pos_ < src_.size() && !failed_) step();
  if (pending_count_ == 0) {
    Token end;
    end.type = Tok::End;
    end.loc = loc_here();
    return end;
  }
  Token t = pending_[pending_head_];
  pending_head_ = (pending_head_ + 1) % 4;
  --pending_count_;
  return t;
}

Loc Lexer::loc_here() const {
  return Loc{line_, static_cast<int>(pos_ - line_start_) + 1, static_cast<int>(pos_)};
}

// Moves to `to`, keeping the line count in step.
void Lexer::advance_to(std::size_t to) {
  if (to > src_.size()) to = src_.size();
  const char* base = src_.data();
  const char* p = base + pos_;
  const char* end = base + to;
  while (p < end) {
    const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
    if (!nl) break;
    p = static_cast<const char*>(nl) + 1;
    ++line_;
    line_start_ = static_cast<std::size_t>(p - base);
  }
  pos_ = to;
}

void Lexer::emit(Tok type, std::size_t end) {
  if (end > src_.size()) end = src_.size();
  Token t;
  t.type = type;
  t.loc = loc_here();
  t.text = src_.substr(pos_, end - pos_);
  pending_[(pending_head_ + pending_count_++) % 4] = t;
  advance_to(end);
}

void Lexer::fail(const char* message, std::size_t end) {
  emit(Tok::Error, end);
  pending_[(pending_head_ + pending_count_ - 1) % 4].error = message;
  failed_ = true;
}

// Whitespace as JavaScript's \s sees it, for the characters KRL files use
// (ASCII, no-break space, byte order mark). Returns its length or 0.
std::size_t Lexer::whitespace_len(std::size_t i) const {
  char c = src_[i];
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') return 1;
  if (c == '\xC2' && at(i + 1) == '\xA0') return 2;
  if (c == '\xEF' && at(i + 1) == '\xBB' && at(i + 2) == '\xBF') return 3;
  return 0;
}

void Lexer::step() {
  const char c = src_[pos_];
  if (std::size_t w = whitespace_len(pos_)) {
    std::size_t i = pos_ + w;
    while (i < src_.size() && (w = whitespace_len(i))) i += w;
    advance_to(i);
    return;
  }
  if (c == '/' && at(pos_ + 1) == '/') {
    std::size_t i = pos_ + 2;
    while (i < src_.size() && src_[i] != '\n' && src_[i] != '\r') ++i;
    advance_to(i + 1);
    return;
  }
  if (c == '/' && at(pos_ + 1) == '*') {
    std::size_t close = src_.find("*/", pos_ + 2);
    if (close == std::string_view::npos) return fail("Missing close */", src_.size());
    advance_to(close + 2);
    return;
  }
  if (is_digit(c) || (c == '.' && is_digit(at(pos_ + 1)))) return number();
  if (c == '"') return string();
  if (c == 'r' && at(pos_ + 1) == 'e' && at(pos_ + 2) == '#') return regexp();
  if (c == '<' && at(pos_ + 1) == '<') {
    emit(Tok::ChevronOpen, pos_ + 2);
    return chevron_body();
  }
  if (is_symbol_start(c)) {
    std::size_t i = pos_ + 1;
    while (i < src_.size() && is_symbol_char(src_[i])) ++i;
    return emit(Tok::Symbol, i);
  }
  if (!beesting_curlies_.empty()) {
    int& curlies = beesting_curlies_.back();
    if (c == '{') {
      ++curlies;
    } else if (c == '}') {
      if (curlies == 0) {
        emit(Tok::BeestingClose, pos_ + 1);
        beesting_curlies_.pop_back();
        return chevron_body();
      }
      --curlies;
    }
  }
  punctuation(c);
}

void Lexer::number() {
  std::size_t i = pos_;
  while (i < src_.size() && is_digit(src_[i])) ++i;
  if (at(i) == '.' && is_digit(at(i + 1))) {
    ++i;
    while (i < src_.size() && is_digit(src_[i])) ++i;
  }
  emit(Tok::Number, i);
}

// Scans from `i` to the first unescaped `close`; npos if there is none.
std::size_t Lexer::find_unescaped(std::size_t i, char close) const {
  while (i < src_.size()) {
    if (src_[i] == '\\') {
      i += 2;
    } else if (src_[i] == close) {
      return i;
    } else {
      ++i;
    }
  }
  return std::string_view::npos;
}

void Lexer::string() {
  std::size_t close = find_unescaped(pos_ + 1, '"');
  if (close == std::string_view::npos) return fail("Missing close \"", src_.size());
  emit(Tok::String, close + 1);
}

void Lexer::regexp() {
  std::size_t close = find_unescaped(pos_ + 3, '#');
  if (close == std::string_view::npos) return fail("Missing close #", src_.size());
  std::size_t i = close + 1;
  while (at(i) == 'g' || at(i) == 'i' || at(i) == 'm') ++i;
  emit(Tok::RegExp, i);
}

// After `<<` or a beesting's `}`: literal text up to `#{` or `>>`.
void Lexer::chevron_body() {
  std::size_t i = pos_;
  while (i < src_.size()) {
    char c = src_[i];
    if (c == '\\') {
      i += 2;
      continue;
    }
    if ((c == '#' && at(i + 1) == '{') || (c == '>' && at(i + 1) == '>')) break;
    ++i;
  }
  if (i > src_.size()) i = src_.size();
  if (i > pos_) emit(Tok::ChevronString, i);
  if (pos_ >= src_.size()) return;  // unterminated: the parser expects `>>`
  if (src_[pos_] == '#') {
    emit(Tok::BeestingOpen, pos_ + 2);
    beesting_curlies_.push_back(0);
  } else {
    emit(Tok::ChevronClose, pos_ + 2);
  }
}

void Lexer::punctuation(char c) {
  const char n = at(pos_ + 1);
  Tok t;
  std::size_t len = 1;
  switch (c) {
    case '<':
      if (n == '=' && at(pos_ + 2) == '>') {
        t = Tok::Spaceship, len = 3;
      } else if (n == '=') {
        t = Tok::LessEq, len = 2;
      } else {
        t = Tok::Less;
      }
      break;
    case '|':
      if (n == '|') {
        t = Tok::OrOr, len = 2;
      } else {
        t = Tok::Pipe;
      }
      break;
    case '=':
      if (n == '=') {
        t = Tok::EqEq, len = 2;
      } else if (n == '>') {
        t = Tok::FatArrow, len = 2;
      } else {
        t = Tok::Assign;
      }
      break;
    case ':':
      if (n == '=') {
        t = Tok::ColonAssign, len = 2;
      } else {
        t = Tok::Colon;
      }
      break;
    case '>':
      if (n == '=') {
        t = Tok::GreaterEq, len = 2;
      } else if (n == '<') {
        t = Tok::GreaterLess, len = 2;
      } else {
        t = Tok::Greater;
      }
      break;
    case '&':
      if (n != '&') return unsupported();
      t = Tok::AndAnd, len = 2;
      break;
    case '!':
      if (n != '=') return unsupported();
      t = Tok::NotEq, len = 2;
      break;
    case '(':
      t = Tok::LParen;
      break;
    case ')':
      t = Tok::RParen;
      break;
    case '{':
      t = Tok::LBrace;
      break;
    case '}':
      t = Tok::RBrace;
      break;
    case '[':
      t = Tok::LBracket;
      break;
    case ']':
      t = Tok::RBracket;
      break;
    case ',':
      t = Tok::Comma;
      break;
    case '/':
      t = Tok::Slash;
      break;
    case '.':
      t = Tok::Dot;
      break;
    case '-':
      t = Tok::Minus;
      break;
    case '%':
      t = Tok::Percent;
      break;
    case '+':
      t = Tok::Plus;
      break;
    case ';':
      t = Tok::Semicolon;
      break;
    case '*':
      t = Tok::Star;
      break;
    default:
      return unsupported();
  }
  emit(t, pos_ + len);
}

// One unsupported character (a whole UTF-8 sequence).
void Lexer::unsupported() {
  std::size_t i = pos_ + 1;
  if (static_cast<unsigned char>(src_[pos_]) >= 0xC0) {
    while (i < src_.size() && (static_cast<unsigned char>(src_[i]) & 0xC0) == 0x80) ++i;
  }
  fail("Unsupported characters", i);
}

std::vector<Token> tokenize(std::string_view source) {
  Lexer lexer(source);
  std::vector<Token> out;
  do {
    out.push_back(lexer.next());
  } while (!out.back().is(Tok::End));
  return out;
}
const char* token_type_name(Tok t) {
  switch (t) {
    case Tok::End:
      return "(end)";
    case Tok::Error:
      return "ILLEGAL";
    case Tok::Symbol:
      return "SYMBOL";
    case Tok::Number:
      return "NUMBER";
    case Tok::String:
      return "STRING";
    case Tok::RegExp:
      return "REGEXP";
    case Tok::ChevronOpen:
      return "CHEVRON-OPEN";
    case Tok::ChevronString:
      return "CHEVRON-STRING";
    case Tok::BeestingOpen:
      return "CHEVRON-BEESTING-OPEN";
    case Tok::BeestingClose:
      return "CHEVRON-BEESTING-CLOSE";
    case Tok::ChevronClose:
      return "CHEVRON-CLOSE";
    default:
      return "RAW";
  }
}

}  // namespace spime::krl
