// Event expressions (`select when ...`), as the reference's krl.ts parses
// them. Binding powers: or 20, and 30, before/then/after 40,
// between/not between 50. Prefix forms: `any N (...)`, `and(...)`,
// `or(...)`, `before(...)`, `then(...)`, `after(...)`, `count N (e) [agg]`,
// `repeat N (e) [agg]`, and `( e )`.
#include "engine/krl/parser_impl.h"

namespace spime::krl::detail {
namespace {

using Kind = ast::EventExpr::Kind;

int event_binding_power(const Token& t) {
  if (!t.is(Tok::Symbol)) return 0;
  std::string_view s = t.text;
  if (s == "or") return 20;
  if (s == "and") return 30;
  if (s == "before" || s == "then" || s == "after") return 40;
  if (s == "between" || s == "not") return 50;
  return 0;
}

bool has_event_nud(const Token& t) {
  if (t.is(Tok::LParen)) return true;
  if (!t.is(Tok::Symbol)) return false;
  std::string_view s = t.text;
  // Symbols whose reference rule has no event meaning at the start.
  return !(s == "function" || s == "defaction" || s == "true" || s == "false" || s == "null" ||
           s == "not" || s == "like" || s == "cmp" || s == "between");
}

Kind infix_kind(std::string_view s) {
  if (s == "or") return Kind::Or;
  if (s == "and") return Kind::And;
  if (s == "before") return Kind::Before;
  if (s == "then") return Kind::Then;
  return Kind::After;
}

ast::EventExprPtr make_node(Kind kind, Loc loc) {
  auto e = std::make_unique<ast::EventExpr>();
  e->kind = kind;
  e->loc = loc;
  return e;
}

}  // namespace

ast::EventExprPtr Parser::event_expression(int rbp) {
  Depth depth(*this, cur());
  const Token first = cur();
  if (!has_event_nud(first)) fail(first, "Expected an event expression");
  advance();
  ast::EventExprPtr left = event_nud(first);
  int chain = 0;
  while (rbp < event_binding_power(cur())) {
    const Token op = cur();
    advance();
    deepen(chain, op);
    const Loc loc = left->loc;
    if (op.text == "between" || op.text == "not") {
      if (op.text == "not") expect_symbol("between");
      auto node = make_node(op.text == "not" ? Kind::NotBetween : Kind::Between, loc);
      node->args.push_back(std::move(left));
      expect(Tok::LParen, "(");
      node->args.push_back(event_expression());
      expect(Tok::Comma, ",");
      node->args.push_back(event_expression());
      expect(Tok::RParen, ")");
      left = std::move(node);
    } else {
      const int bp = event_binding_power(op);
      auto node = make_node(infix_kind(op.text), loc);
      node->args.push_back(std::move(left));
      node->args.push_back(event_expression(bp));
      left = std::move(node);
    }
  }
  return left;
}

ast::EventExprPtr Parser::event_nud(const Token& t) {
  if (t.is(Tok::LParen)) {
    ast::EventExprPtr e = event_expression();
    expect(Tok::RParen, ")");
    return e;
  }
  std::string_view s = t.text;
  if (s == "any") return event_variable_arity(t, Kind::Any, true);
  if (s == "and" || s == "or" || s == "before" || s == "then" || s == "after") {
    return event_variable_arity(t, infix_kind(s), false);
  }
  if (s == "count") return event_group(t, Kind::Count);
  if (s == "repeat") return event_group(t, Kind::Repeat);
  return event_base(t);
}

// `domain type` or `domain:type`, then `attr re#..#`*, `where e`, `setting(a, b)`.
ast::EventExprPtr Parser::event_base(const Token& domain) {
  auto e = make_node(Kind::Event, domain.loc);
  e->domain = std::string(domain.text);
  const bool had_colon = accept(Tok::Colon);
  e->type = word(had_colon ? "a bare word for the event type" : "`:`");
  while (cur().is(Tok::Symbol) && peek(1).is(Tok::RegExp)) {
    ast::AttributeMatch m;
    m.loc = cur().loc;
    m.key = word("Attribute");
    const Token at = cur();
    ast::ExprPtr re = expression();
    if (re->kind != ast::ExprKind::RegExp) fail(at, "Expected a regular expression");
    auto& lit = static_cast<ast::RegExpLit&>(*re);
    m.regex_source = std::move(lit.source);
    m.regex_flags = std::move(lit.flags);
    e->attrs.push_back(std::move(m));
  }
  // `where` before `setting` is deprecated but accepted.
  if (accept_symbol("where")) e->where = expression();
  if (accept_symbol("setting")) {
    expect(Tok::LParen, "(");
    e->setting = identifier_list();
    expect(Tok::RParen, ")");
  }
  if (!e->where && accept_symbol("where")) e->where = expression();
  return e;
}

ast::EventExprPtr Parser::event_variable_arity(const Token& t, Kind kind, bool has_n) {
  auto e = make_node(kind, t.loc);
  if (has_n) e->n = positive_integer();
  expect(Tok::LParen, "(");
  do {
    e->args.push_back(event_expression());
  } while (accept(Tok::Comma));
  expect(Tok::RParen, ")");
  return e;
}

ast::EventExprPtr Parser::event_group(const Token& t, Kind kind) {
  auto e = make_node(kind, t.loc);
  e->n = positive_integer();
  expect(Tok::LParen, "(");
  const Token domain = cur();
  word("a bare word for the event domain");
  e->args.push_back(event_base(domain));
  expect(Tok::RParen, ")");
  if (cur().is(Tok::Symbol)) {
    std::string_view s = cur().text;
    if (s == "max" || s == "min" || s == "sum" || s == "avg" || s == "push") {
      ast::EventAggregator agg;
      agg.loc = cur().loc;
      agg.op = std::string(s);
      advance();
      expect(Tok::LParen, "(");
      agg.args = identifier_list();
      expect(Tok::RParen, ")");
      e->aggregator = std::move(agg);
    }
  }
  return e;
}

int Parser::positive_integer() {
  const Token& t = cur();
  if (t.is(Tok::Number) && t.text.find('.') == std::string_view::npos && t.text.size() <= 9) {
    int v = 0;
    for (char c : t.text) v = v * 10 + (c - '0');
    advance();
    return v;
  }
  fail(t, "Expected a positive integer");
}

}  // namespace spime::krl::detail
