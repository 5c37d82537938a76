// The parser's core: token cursor, shared list rules, expressions, and the
// two API functions. Binding powers follow the reference (krl.ts):
//   =>| 10, || 20, && 30, comparisons 40, + - 50, * / % 60, prefix 70,
//   . {} [] 80, () 90.
#include "engine/krl/parser.h"

#include <charconv>

#include "engine/krl/limits.h"
#include "engine/krl/parser_impl.h"

namespace spime::krl {
namespace detail {

bool is_reserved_word(std::string_view s) {
  return s == "defaction" || s == "function" || s == "return" || s == "not" || s == "setting" ||
         s == "null" || s == "true" || s == "false";
}

namespace {

// Symbols the reference gives their own parse rule (so they are not plain
// identifiers inside expressions).
bool is_keyword_rule(std::string_view s) {
  return s == "function" || s == "defaction" || s == "true" || s == "false" || s == "null" ||
         s == "not" || s == "like" || s == "cmp" || s == "or" || s == "and" || s == "before" ||
         s == "then" || s == "after" || s == "between" || s == "any" || s == "count" ||
         s == "repeat";
}

// Keyword rules that only have an event-expression meaning.
bool is_event_only_keyword(std::string_view s) {
  return s == "or" || s == "and" || s == "before" || s == "then" || s == "after" ||
         s == "between" || s == "any" || s == "count" || s == "repeat" || s == "like" || s == "cmp";
}

int left_binding_power(const Token& t) {
  switch (t.type) {
    case Tok::LParen:
      return 90;
    case Tok::Dot:
    case Tok::LBrace:
    case Tok::LBracket:
      return 80;
    case Tok::Star:
    case Tok::Slash:
    case Tok::Percent:
      return 60;
    case Tok::Plus:
    case Tok::Minus:
      return 50;
    case Tok::EqEq:
    case Tok::NotEq:
    case Tok::Less:
    case Tok::LessEq:
    case Tok::Greater:
    case Tok::GreaterEq:
    case Tok::GreaterLess:
    case Tok::Spaceship:
      return 40;
    case Tok::AndAnd:
      return 30;
    case Tok::OrOr:
      return 20;
    case Tok::FatArrow:
      return 10;
    case Tok::Symbol:
      return (t.text == "like" || t.text == "cmp") ? 40 : 0;
    default:
      return 0;
  }
}

bool has_nud(const Token& t) {
  switch (t.type) {
    case Tok::Number:
    case Tok::String:
    case Tok::ChevronOpen:
    case Tok::RegExp:
    case Tok::LBrace:
    case Tok::LBracket:
    case Tok::LParen:
    case Tok::Minus:
    case Tok::Plus:
      return true;
    case Tok::Symbol:
      return !is_event_only_keyword(t.text);
    default:
      return false;
  }
}

// "..." → its value: the reference decodes only \" and \\ (1.x strings keep
// other backslash sequences as written).
std::string decode_string(std::string_view text) {
  std::string_view body = text.substr(1, text.size() - 2);
  std::string out;
  out.reserve(body.size());
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\\' && i + 1 < body.size() && (body[i + 1] == '"' || body[i + 1] == '\\')) {
      out += body[++i];
    } else {
      out += body[i];
    }
  }
  return out;
}

// Chevron text: \> → >, \#{ → #{, \\ → \ (as the reference).
std::string decode_chevron(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char n = s[i + 1];
      if (n == '>' || n == '\\') {
        out += n;
        ++i;
        continue;
      }
      if (n == '#' && i + 2 < s.size() && s[i + 2] == '{') {
        out += '#';
        ++i;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

double parse_number(std::string_view text) {
  double v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc()) return 0;
  return v;
}

}  // namespace

// ---- cursor ---------------------------------------------------------------------

Parser::Parser(std::string_view source) : lexer_(source) {
  window_[0] = lexer_.next();
  count_ = 1;
  if (cur().is(Tok::Error)) fail(cur(), cur().error);
}

const Token& Parser::peek(int n) {
  while (count_ <= n) {
    const Token& last = window_[(head_ + count_ - 1) % 4];
    window_[(head_ + count_) % 4] = last.is(Tok::End) ? last : lexer_.next();
    ++count_;
  }
  for (int k = 1; k <= n; ++k) {
    const Token& t = window_[(head_ + k) % 4];
    if (t.is(Tok::Error)) fail(t, t.error);
  }
  return window_[(head_ + n) % 4];
}

void Parser::advance() {
  if (cur().is(Tok::End)) return;
  peek(1);
  head_ = (head_ + 1) % 4;
  --count_;
  if (cur().is(Tok::Error)) fail(cur(), cur().error);
}

void Parser::fail(const Token& at, std::string message) const {
  throw Failure{at.loc.offset, std::move(message)};
}

void Parser::expect(Tok t, const char* text) {
  if (!cur().is(t)) fail(cur(), std::string("Expected `") + text + "`");
  advance();
}

bool Parser::accept(Tok t) {
  if (!cur().is(t)) return false;
  advance();
  return true;
}

bool Parser::accept_symbol(std::string_view s) {
  if (!cur().is_symbol(s)) return false;
  advance();
  return true;
}

void Parser::expect_symbol(const char* s) {
  if (!cur().is_symbol(s)) fail(cur(), std::string("Expected `") + s + "`");
  advance();
}

std::string Parser::rule_id(const Token& t) const {
  if (t.is(Tok::Symbol)) return is_keyword_rule(t.text) ? std::string(t.text) : "SYMBOL";
  if (is_punct(t.type)) return std::string(t.text);
  return token_type_name(t.type);
}

void Parser::expect_end() {
  if (!cur().is(Tok::End)) fail(cur(), "Expected `(end)` but was " + rule_id(cur()));
}

Parser::Depth::Depth(Parser& p, const Token& at) : p_(p) {
  if (++p_.depth_ > kMaxParseDepth) p_.fail(at, "nesting too deep");
}

void Parser::deepen(int& chain, const Token& at) {
  if (depth_ + ++chain > kMaxParseDepth) fail(at, "nesting too deep");
}

// ---- words and lists --------------------------------------------------------------

std::string Parser::word(const char* expected_what) {
  if (!cur().is(Tok::Symbol)) fail(cur(), std::string("Expected ") + expected_what);
  std::string w(cur().text);
  advance();
  return w;
}

bool Parser::at_identifier() const {
  return cur().is(Tok::Symbol) && !is_reserved_word(cur().text);
}

std::string Parser::identifier() {
  if (!at_identifier()) fail(cur(), "Expected Identifier");
  std::string w(cur().text);
  advance();
  return w;
}

ast::ExprPtr Parser::identifier_or_domain_identifier() {
  Loc loc = cur().loc;
  std::string first = identifier();
  if (!accept(Tok::Colon)) return std::make_unique<ast::Identifier>(loc, std::move(first));
  std::string second = identifier();
  return std::make_unique<ast::DomainIdentifier>(loc, std::move(first), std::move(second));
}

std::vector<std::string> Parser::identifier_list() {
  std::vector<std::string> ids;
  do {
    ids.push_back(identifier());
  } while (accept(Tok::Comma));
  return ids;
}

std::vector<std::pair<Loc, std::string>> Parser::identifier_list_with_locs() {
  std::vector<std::pair<Loc, std::string>> ids;
  do {
    Loc loc = cur().loc;
    ids.emplace_back(loc, identifier());
  } while (accept(Tok::Comma));
  return ids;
}

// A dotted/dashed ruleset id written without spaces: io.picolabs.some-name.
std::string Parser::ruleset_id() {
  if (!cur().is(Tok::Symbol)) fail(cur(), "Expected RulesetID");
  std::string rid(cur().text);
  while (true) {
    const Token sep = peek(1);
    if (!(sep.is(Tok::Dot) || sep.is(Tok::Minus)) || sep.loc.offset != cur().end_offset()) break;
    const Token next = peek(2);
    if (!next.is(Tok::Symbol) || next.loc.offset != sep.end_offset()) {
      throw Failure{sep.end_offset(), "RulesetID cannot end with a `" + std::string(sep.text) +
                                          "`\nValid ruleset IDs are reverse domain name. i.e. "
                                          "`io.picolabs.some.cool.name`"};
    }
    rid += sep.text;
    rid += next.text;
    advance();
    advance();
  }
  advance();
  return rid;
}

std::vector<ast::Declaration> Parser::declaration_list() {
  std::vector<ast::Declaration> decls;
  while (at_identifier() && peek(1).is(Tok::Assign)) {
    decls.push_back(declaration());
    accept(Tok::Semicolon);
  }
  return decls;
}

ast::Declaration Parser::declaration() {
  const Token left = cur();
  if (!at_identifier()) fail(cur(), "Expected a declaration");
  advance();
  if (!accept(Tok::Assign)) fail(left, "Expected a declaration");
  ast::Declaration d;
  d.loc = left.loc;
  d.name = std::string(left.text);
  d.value = expression();
  return d;
}

std::vector<ast::Parameter> Parser::parameters() {
  std::vector<ast::Parameter> params;
  expect(Tok::LParen, "(");
  while (!cur().is(Tok::End) && !cur().is(Tok::RParen)) {
    ast::Parameter p;
    p.loc = cur().loc;
    p.name = identifier();
    if (accept(Tok::Assign)) p.default_value = expression();
    params.push_back(std::move(p));
    if (!accept(Tok::Comma)) break;
  }
  expect(Tok::RParen, ")");
  return params;
}

std::vector<ast::Argument> Parser::arguments_after_paren() {
  std::vector<ast::Argument> args;
  while (!cur().is(Tok::End) && !cur().is(Tok::RParen)) {
    ast::Argument a;
    a.loc = cur().loc;
    a.value = expression();
    if (a.value->kind == ast::ExprKind::Identifier && cur().is(Tok::Assign)) {
      advance();
      a.name = static_cast<ast::Identifier&>(*a.value).name;
      a.value = expression();
    }
    args.push_back(std::move(a));
    if (!accept(Tok::Comma)) break;
  }
  expect(Tok::RParen, ")");
  return args;
}

std::string Parser::string_literal_value() {
  if (!cur().is(Tok::String)) fail(cur(), "Expected String");
  std::string v = decode_string(cur().text);
  advance();
  return v;
}

// ---- expressions --------------------------------------------------------------------

ast::ExprPtr Parser::expression(int rbp, const char* error_message) {
  Depth depth(*this, cur());
  const Token first = cur();
  if (!has_nud(first)) fail(first, error_message);
  advance();
  ast::ExprPtr left = nud(first, error_message);
  int chain = 0;
  while (rbp < left_binding_power(cur())) {
    const Token op = cur();
    advance();
    deepen(chain, op);
    left = led(op, std::move(left));
  }
  return left;
}

ast::ExprPtr Parser::nud(const Token& t, const char* error_message) {
  switch (t.type) {
    case Tok::Number:
      return std::make_unique<ast::NumberLit>(t.loc, parse_number(t.text));
    case Tok::String:
      return std::make_unique<ast::StringLit>(t.loc, decode_string(t.text));
    case Tok::ChevronOpen:
      return chevron(t);
    case Tok::RegExp:
      return regexp(t);
    case Tok::LBrace:
      return map_literal(t);
    case Tok::LBracket:
      return array_literal(t);
    case Tok::LParen: {
      ast::ExprPtr e = expression(0);
      expect(Tok::RParen, ")");
      return e;
    }
    case Tok::Minus:
    case Tok::Plus:
      return std::make_unique<ast::Unary>(t.loc, std::string(t.text), expression(70));
    case Tok::Symbol:
      return symbol_nud(t);
    default:
      fail(t, error_message);
  }
}

ast::ExprPtr Parser::symbol_nud(const Token& t) {
  std::string_view s = t.text;
  if (s == "true") return std::make_unique<ast::BooleanLit>(t.loc, true);
  if (s == "false") return std::make_unique<ast::BooleanLit>(t.loc, false);
  if (s == "null") return std::make_unique<ast::NullLit>(t.loc);
  if (s == "not") return std::make_unique<ast::Unary>(t.loc, "not", expression(70));
  if (s == "function") return function(t);
  if (s == "defaction") return defaction(t);
  if (is_reserved_word(s)) fail(t, "Reserved word");
  if (accept(Tok::Colon)) {
    std::string name = identifier();
    return std::make_unique<ast::DomainIdentifier>(t.loc, std::string(s), std::move(name));
  }
  return std::make_unique<ast::Identifier>(t.loc, std::string(s));
}

ast::ExprPtr Parser::led(const Token& t, ast::ExprPtr left) {
  const Loc loc = left->loc;
  using Method = ast::Member::Method;
  switch (t.type) {
    case Tok::Dot: {
      ast::ExprPtr property = identifier_or_domain_identifier();
      return std::make_unique<ast::Member>(loc, std::move(left), Method::Dot, std::move(property));
    }
    case Tok::LBrace: {
      ast::ExprPtr property = expression(0);
      expect(Tok::RBrace, "}");
      return std::make_unique<ast::Member>(loc, std::move(left), Method::Path, std::move(property));
    }
    case Tok::LBracket: {
      ast::ExprPtr property = expression(0);
      expect(Tok::RBracket, "]");
      return std::make_unique<ast::Member>(loc, std::move(left), Method::Index,
                                           std::move(property));
    }
    case Tok::LParen: {
      auto app = std::make_unique<ast::Application>(loc, std::move(left));
      app->args = arguments_after_paren();
      return app;
    }
    case Tok::FatArrow: {
      ast::ExprPtr consequent = expression(10);
      expect(Tok::Pipe, "|");
      ast::ExprPtr alternate = expression(0);
      return std::make_unique<ast::Conditional>(loc, std::move(left), std::move(consequent),
                                                std::move(alternate));
    }
    default: {
      const int bp = left_binding_power(t);
      ast::ExprPtr right = expression(bp);
      return std::make_unique<ast::Infix>(loc, std::string(t.text), std::move(left),
                                          std::move(right));
    }
  }
}

ast::ExprPtr Parser::map_literal(const Token& t) {
  auto map = std::make_unique<ast::MapLit>(t.loc);
  while (!cur().is(Tok::RBrace)) {
    ast::MapEntry entry;
    entry.loc = cur().loc;
    entry.key = string_literal_value();
    expect(Tok::Colon, ":");
    entry.value = expression();
    map->entries.push_back(std::move(entry));
    if (!accept(Tok::Comma)) break;
  }
  expect(Tok::RBrace, "}");
  return map;
}

ast::ExprPtr Parser::array_literal(const Token& t) {
  auto array = std::make_unique<ast::ArrayLit>(t.loc);
  while (!cur().is(Tok::RBracket)) {
    array->items.push_back(expression());
    if (!accept(Tok::Comma)) break;
  }
  expect(Tok::RBracket, "]");
  return array;
}

ast::ExprPtr Parser::chevron(const Token& t) {
  auto chev = std::make_unique<ast::Chevron>(t.loc);
  while (true) {
    if (cur().is(Tok::ChevronString)) {
      chev->parts.push_back(
          std::make_unique<ast::StringLit>(cur().loc, decode_chevron(cur().text)));
      advance();
    } else if (cur().is(Tok::BeestingOpen)) {
      advance();
      chev->parts.push_back(expression());
      expect(Tok::BeestingClose, "}");
    } else {
      break;
    }
  }
  expect(Tok::ChevronClose, ">>");
  return chev;
}

ast::ExprPtr Parser::regexp(const Token& t) {
  std::string_view text = t.text;  // re#pattern#flags
  const std::size_t close = text.rfind('#');
  std::string_view raw = text.substr(3, close - 3);
  std::string pattern;
  pattern.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size() && raw[i + 1] == '#') continue;  // \# → #
    pattern += raw[i];
  }
  std::string flags(text.substr(close + 1));
  for (std::size_t i = 0; i < flags.size(); ++i) {
    if (flags.find(flags[i], i + 1) != std::string::npos) {
      fail(t, "Invalid regular expression flags '" + flags + "'");
    }
  }
  return std::make_unique<ast::RegExpLit>(t.loc, std::move(pattern), std::move(flags));
}

ast::ExprPtr Parser::function(const Token& t) {
  auto fn = std::make_unique<ast::Function>(t.loc);
  fn->params = parameters();
  expect(Tok::LBrace, "{");
  fn->body = declaration_list();
  accept_symbol("return");
  fn->result = expression(0, "Expected the function return expression");
  accept(Tok::Semicolon);
  expect(Tok::RBrace, "}");
  return fn;
}

ast::ExprPtr Parser::defaction(const Token& t) {
  auto da = std::make_unique<ast::DefAction>(t.loc);
  da->params = parameters();
  expect(Tok::LBrace, "{");
  da->body = declaration_list();
  da->action_block = action_block();
  if (accept(Tok::RBrace)) return da;
  if (accept_symbol("returns")) fail(cur(), "defaction can only return one value");
  expect_symbol("return");
  da->returns.push_back(expression());
  if (cur().is(Tok::Comma)) fail(cur(), "defaction can only return one value");
  accept(Tok::Semicolon);
  expect(Tok::RBrace, "}");
  return da;
}

}  // namespace detail

// ---- API --------------------------------------------------------------------------------

namespace {

template <class Result, class Entry>
Result run(std::string_view source, std::string_view file, ParseError* error, Entry entry) {
  if (source.size() > kMaxSourceBytes) {
    if (error) {
      *error =
          make_parse_error(source, file, 0,
                           "source too large: " + std::to_string(source.size()) +
                               " bytes (the limit is " + std::to_string(kMaxSourceBytes) + ")");
    }
    return nullptr;
  }
  try {
    detail::Parser parser(source);
    Result result = entry(parser);
    parser.expect_end();
    return result;
  } catch (const detail::Failure& f) {
    if (error) *error = make_parse_error(source, file, f.offset, f.message);
    return nullptr;
  }
}

}  // namespace

std::unique_ptr<ast::Ruleset> parse_ruleset(std::string_view source, std::string_view file,
                                            ParseError* error) {
  return run<std::unique_ptr<ast::Ruleset>>(source, file, error,
                                            [](detail::Parser& p) { return p.ruleset(); });
}

ast::ExprPtr parse_expression(std::string_view source, std::string_view file, ParseError* error) {
  return run<ast::ExprPtr>(source, file, error, [](detail::Parser& p) { return p.expression(); });
}

std::unique_ptr<std::vector<ast::StatementPtr>> parse_statement_list(std::string_view source,
                                                                     std::string_view file,
                                                                     ParseError* error) {
  return run<std::unique_ptr<std::vector<ast::StatementPtr>>>(
      source, file, error, [](detail::Parser& p) { return p.statement_list(); });
}

bool starts_with_ruleset(std::string_view source) {
  if (source.size() > kMaxSourceBytes) return true;  // parse_ruleset says why not
  Lexer lexer(source);
  Token t = lexer.next();
  if (t.is(Tok::End)) return false;
  return !t.is(Tok::Symbol) || t.text == "ruleset";
}

}  // namespace spime::krl
