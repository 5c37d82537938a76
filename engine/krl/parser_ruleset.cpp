// Rulesets, meta blocks, rules, action blocks and postludes, as the
// reference's krl.ts parses them.
#include "engine/krl/parser_impl.h"

namespace spime::krl::detail {
namespace {

bool is_time_period(std::string_view s) {
  for (const char* p : {"day", "days", "hour", "hours", "minute", "minutes", "month", "months",
                        "second", "seconds", "week", "weeks", "year", "years"}) {
    if (s == p) return true;
  }
  return false;
}

bool is_postlude_keyword(std::string_view s) {
  return s == "fired" || s == "notfired" || s == "else" || s == "finally" || s == "always";
}

// The value of a literal meta string: "..." or a chevron without beestings.
std::optional<std::string> literal_text(const ast::Expr& e) {
  if (e.kind == ast::ExprKind::String) return static_cast<const ast::StringLit&>(e).value;
  if (e.kind != ast::ExprKind::Chevron) return std::nullopt;
  std::string out;
  for (const ast::ExprPtr& part : static_cast<const ast::Chevron&>(e).parts) {
    if (part->kind != ast::ExprKind::String) return std::nullopt;
    out += static_cast<const ast::StringLit&>(*part).value;
  }
  return out;
}

ast::StatementPtr make_statement(ast::Statement::Kind kind, Loc loc) {
  auto s = std::make_unique<ast::Statement>();
  s->kind = kind;
  s->loc = loc;
  return s;
}

}  // namespace

std::unique_ptr<ast::Ruleset> Parser::ruleset() {
  auto rs = std::make_unique<ast::Ruleset>();
  rs->loc = cur().loc;
  expect_symbol("ruleset");
  rs->rid = ruleset_id();
  expect(Tok::LBrace, "{");
  if (accept_symbol("version")) rs->version = string_literal_value();
  meta(*rs);
  if (accept_symbol("global")) {
    expect(Tok::LBrace, "{");
    rs->global = declaration_list();
    if (!accept(Tok::RBrace)) fail(cur(), "Expected a declaration");
  }
  while (rule(rs->rules)) {
  }
  expect(Tok::RBrace, "}");
  return rs;
}

// As the reference's parse() when the first token is not `ruleset`: until
// the end, a declaration (`name =` ...) or an expression, each optionally
// followed by `;`.
std::unique_ptr<std::vector<ast::StatementPtr>> Parser::statement_list() {
  auto out = std::make_unique<std::vector<ast::StatementPtr>>();
  while (!cur().is(Tok::End)) {
    const Loc loc = cur().loc;
    if (rule_id(cur()) == "SYMBOL" && peek(1).is(Tok::Assign)) {
      ast::Declaration d = declaration();
      auto st = make_statement(ast::Statement::Kind::Declaration, loc);
      st->name = std::move(d.name);
      st->value = std::move(d.value);
      out->push_back(std::move(st));
    } else {
      auto st = make_statement(ast::Statement::Kind::Expression, loc);
      st->value = expression();
      out->push_back(std::move(st));
    }
    accept(Tok::Semicolon);
  }
  return out;
}

// ---- meta ---------------------------------------------------------------------------

void Parser::meta(ast::Ruleset& rs) {
  const Loc loc = cur().loc;
  if (!accept_symbol("meta")) return;
  rs.meta.loc = loc;
  expect(Tok::LBrace, "{");
  while (meta_property(rs.meta)) {
  }
  expect(Tok::RBrace, "}");
}

bool Parser::meta_property(ast::Meta& m) {
  if (!cur().is(Tok::Symbol) || rule_id(cur()) != "SYMBOL") return false;
  const Token key = cur();
  advance();
  const std::string_view k = key.text;
  auto other_has = [&m](std::string_view name) {
    for (const auto& [n, e] : m.other) {
      if (n == name) return true;
    }
    return false;
  };

  if (k == "version" || k == "name" || k == "description" || k == "author") {
    std::optional<std::string>& slot = k == "version"       ? m.version
                                       : k == "name"        ? m.name
                                       : k == "description" ? m.description
                                                            : m.author;
    if (slot || other_has(k)) fail(key, "only 1 meta." + std::string(k) + " allowed");
    ast::ExprPtr value = expression();
    if (auto text = literal_text(*value)) {
      slot = std::move(*text);
    } else {
      m.other.emplace_back(std::string(k), std::move(value));
    }
  } else if (k == "logging") {
    if (m.logging) fail(key, "only 1 meta.logging allowed");
    if (!cur().is_symbol("on") && !cur().is_symbol("off")) fail(cur(), "Expected `on` or `off`");
    m.logging = cur().text == "on";
    advance();
  } else if (k == "key" || k == "keys") {
    if (!cur().is(Tok::Symbol)) fail(cur(), "Expected key name");
    auto map = std::make_unique<ast::MapLit>(key.loc);  // at the key, as the reference's errors
    ast::MapEntry entry;
    entry.loc = cur().loc;
    entry.key = std::string(cur().text);
    advance();
    entry.value = expression();
    map->entries.push_back(std::move(entry));
    m.other.emplace_back("keys", std::move(map));
  } else if (k == "use") {
    expect_symbol("module");
    ast::UseModule use;
    use.loc = key.loc;
    use.rid = ruleset_id();
    if (accept_symbol("version")) use.version = string_literal_value();  // 0.x form
    if (accept_symbol("alias")) use.alias = identifier();
    if (accept_symbol("with")) use.with = with_body();
    m.use.push_back(std::move(use));
  } else if (k == "errors") {
    expect_symbol("to");
    m.other.emplace_back("errors", std::make_unique<ast::StringLit>(key.loc, ruleset_id()));
  } else if (k == "configure") {
    expect_symbol("using");
    // Declarations only: unlike `with`, the reference takes no `and` here.
    for (ast::Declaration& d : declaration_list()) m.configure.push_back(std::move(d));
  } else if (k == "provide" || k == "provides") {
    if (cur().is_symbol("keys")) {
      advance();
      auto ids = std::make_unique<ast::ArrayLit>(cur().loc);
      for (auto& [l, id] : identifier_list_with_locs()) {
        ids->items.push_back(std::make_unique<ast::StringLit>(l, std::move(id)));
      }
      expect_symbol("to");
      auto rids = std::make_unique<ast::ArrayLit>(cur().loc);
      do {
        const Loc rl = cur().loc;
        rids->items.push_back(std::make_unique<ast::StringLit>(rl, ruleset_id()));
      } while (accept(Tok::Comma));
      auto both = std::make_unique<ast::ArrayLit>(key.loc);
      both->items.push_back(std::move(ids));
      both->items.push_back(std::move(rids));
      m.other.emplace_back("provides_keys", std::move(both));
    } else {
      for (auto& id : identifier_list_with_locs()) m.provides.push_back(std::move(id));
    }
  } else if (k == "share" || k == "shares") {
    for (auto& id : identifier_list_with_locs()) m.shares.push_back(std::move(id));
  } else {
    fail(key, "Unsupported meta key: " + std::string(k));
  }
  return true;
}

// `with a = 1 and b = 2` (the `and`s are optional).
std::vector<ast::Declaration> Parser::with_body() {
  std::vector<ast::Declaration> decls;
  bool saw_and = false;
  while (saw_and || (at_identifier() && peek(1).is(Tok::Assign))) {
    decls.push_back(declaration());
    saw_and = accept_symbol("and");
  }
  if (decls.empty()) fail(cur(), "Expected declarations after `with`");
  return decls;
}

// ---- rules ----------------------------------------------------------------------------

bool Parser::rule(std::vector<ast::Rule>& rules) {
  const Loc loc = cur().loc;
  if (!accept_symbol("rule")) return false;
  ast::Rule r;
  r.loc = loc;
  r.name = identifier();
  if (accept_symbol("is")) {
    if (cur().is_symbol("active") || cur().is_symbol("inactive")) {
      r.active = cur().text == "active";
      advance();
    } else {
      fail(cur(), "Expected active and inactive");
    }
  }
  expect(Tok::LBrace, "{");
  select(r);
  while (cur().is_symbol("foreach")) {
    ast::ForEach fe;
    fe.loc = cur().loc;
    advance();
    fe.expression = expression();
    expect_symbol("setting");
    expect(Tok::LParen, "(");
    fe.setting = identifier_list();
    expect(Tok::RParen, ")");
    r.foreach.push_back(std::move(fe));
  }
  if (accept_symbol("pre")) {
    expect(Tok::LBrace, "{");
    r.pre = declaration_list();
    if (!accept(Tok::RBrace)) fail(cur(), "Expected a declaration");
  }
  if (cur().is(Tok::Symbol) && !is_postlude_keyword(cur().text)) r.action_block = action_block();
  r.postlude = postlude();
  expect(Tok::RBrace, "}");
  rules.push_back(std::move(r));
  return true;
}

void Parser::select(ast::Rule& r) {
  if (!accept_symbol("select")) return;
  if (accept_symbol("when")) {
    r.select = event_expression();
    if (cur().is_symbol("within")) {
      ast::EventWithin within;
      within.loc = cur().loc;
      advance();
      within.amount = expression();
      if (!cur().is(Tok::Symbol) || !is_time_period(cur().text)) {
        fail(cur(),
             "Expected time period: "
             "[day,days,hour,hours,minute,minutes,month,months,second,seconds,week,weeks,year,"
             "years]");
      }
      within.unit = std::string(cur().text);
      advance();
      r.within = std::move(within);
    }
  } else if (accept_symbol("where")) {
    r.select_where = expression();
  } else {
    fail(cur(), "Expected `when` or `where`");
  }
}

// ---- actions ----------------------------------------------------------------------------

ast::ActionBlock Parser::action_block() {
  ast::ActionBlock block;
  block.loc = cur().loc;
  if (accept_symbol("if")) {
    block.condition = expression();
    expect_symbol("then");
  }
  if (cur().is(Tok::Symbol)) {
    std::string_view s = cur().text;
    if (s == "every" || s == "sample") {
      block.type = s == "every" ? ast::ActionBlock::Type::Every : ast::ActionBlock::Type::Sample;
      advance();
      block.actions = action_list();
    } else if (s == "choose") {
      block.type = ast::ActionBlock::Type::Choose;
      advance();
      block.discriminant = expression(80);
      block.actions = action_list();
    } else if (s != "always" && s != "fired" && s != "notfired") {
      block.actions.push_back(action());
    }
  }
  if (block.condition && block.actions.empty()) {
    if (cur().is(Tok::LBrace)) fail(cur(), "Expected `every`, `sample`, or `choose`");
    fail(cur(), "Expected an action after `if ... then`");
  }
  return block;
}

std::vector<ast::Action> Parser::action_list() {
  std::vector<ast::Action> actions;
  expect(Tok::LBrace, "{");
  while (!cur().is(Tok::End) && !cur().is(Tok::RBrace)) actions.push_back(action());
  expect(Tok::RBrace, "}");
  return actions;
}

// [label =>] name(args) [setting(a, b)] [;]
ast::Action Parser::action() {
  ast::Action a;
  a.loc = cur().loc;
  a.callee = identifier_or_domain_identifier();
  if (a.callee->kind == ast::ExprKind::Identifier && accept(Tok::FatArrow)) {
    a.label = static_cast<ast::Identifier&>(*a.callee).name;
    a.callee = identifier_or_domain_identifier();
  }
  expect(Tok::LParen, "(");
  a.args = arguments_after_paren();
  if (accept_symbol("setting")) {
    expect(Tok::LParen, "(");
    a.setting = identifier_list();
    expect(Tok::RParen, ")");
  }
  accept(Tok::Semicolon);
  return a;
}

// ---- postlude ----------------------------------------------------------------------------

std::optional<ast::Postlude> Parser::postlude() {
  ast::Postlude p;
  p.loc = cur().loc;
  if (accept_symbol("always")) {
    p.has_always = true;
    p.always = statements();
    return p;
  }
  const bool fired_first = cur().is_symbol("fired");
  if (!fired_first && !cur().is_symbol("notfired")) return std::nullopt;
  advance();
  (fired_first ? p.has_fired : p.has_else) = true;
  (fired_first ? p.fired : p.notfired) = statements();
  if (accept_symbol("else")) {
    (fired_first ? p.has_else : p.has_fired) = true;
    (fired_first ? p.notfired : p.fired) = statements();
  }
  if (accept_symbol("finally")) {
    p.has_always = true;
    p.always = statements();
  }
  return p;
}

std::vector<ast::StatementPtr> Parser::statements() {
  std::vector<ast::StatementPtr> stmts;
  expect(Tok::LBrace, "{");
  while (!cur().is(Tok::End) && !cur().is(Tok::RBrace)) {
    stmts.push_back(statement());
    accept(Tok::Semicolon);
  }
  expect(Tok::RBrace, "}");
  return stmts;
}

// <statement> [on final | if <expr>]
ast::StatementPtr Parser::statement() {
  ast::StatementPtr stmt = statement_core();
  if (cur().is_symbol("on") && peek(1).is_symbol("final")) {
    advance();
    advance();
    auto guarded = make_statement(ast::Statement::Kind::Guarded, stmt->loc);
    guarded->statement = std::move(stmt);
    return guarded;
  }
  if (accept_symbol("if")) {
    auto guarded = make_statement(ast::Statement::Kind::Guarded, stmt->loc);
    guarded->condition = expression();
    guarded->statement = std::move(stmt);
    return guarded;
  }
  return stmt;
}

ast::StatementPtr Parser::statement_core() {
  using Kind = ast::Statement::Kind;
  const Token t = cur();
  if (t.is(Tok::Symbol)) {
    if (t.text == "clear") {
      advance();
      auto s = make_statement(Kind::EntClear, t.loc);
      s->domain = identifier();
      expect(Tok::Colon, ":");
      s->var = identifier();
      s->path = path_expression();
      return s;
    }
    if (t.text == "raise") return event_statement(Kind::Raise);
    if (t.text == "schedule") return event_statement(Kind::Schedule);
    if (t.text == "log" || t.text == "error") {
      advance();
      auto s = make_statement(t.text == "log" ? Kind::Log : Kind::Error, t.loc);
      std::string_view level = cur().text;
      if (!cur().is(Tok::Symbol) ||
          !(level == "error" || level == "warn" || level == "info" || level == "debug")) {
        fail(cur(), "Expected error or warn or info or debug");
      }
      s->level = std::string(level);
      advance();
      s->value = expression();
      return s;
    }
    if (t.text == "last") {
      advance();
      return make_statement(Kind::Last, t.loc);
    }
    if (peek(1).is(Tok::Colon) && peek(2).is(Tok::Symbol)) {
      auto s = make_statement(Kind::EntAssign, t.loc);
      s->domain = identifier();
      expect(Tok::Colon, ":");
      s->var = identifier();
      s->path = path_expression();
      expect(Tok::ColonAssign, ":=");
      s->value = expression();
      return s;
    }
  }
  ast::Declaration d = declaration();
  auto s = make_statement(Kind::Declaration, d.loc);
  s->name = std::move(d.name);
  s->value = std::move(d.value);
  return s;
}

// raise|schedule (event <domainAndType> | <domain> event <type>) ...
ast::StatementPtr Parser::event_statement(ast::Statement::Kind kind) {
  const bool is_raise = kind == ast::Statement::Kind::Raise;
  auto s = make_statement(kind, cur().loc);
  advance();
  if (accept_symbol("event")) {
    s->event_domain_and_type = expression();
  } else {
    if (is_raise && !at_identifier()) fail(cur(), "Expected `event`");
    s->event_domain = identifier();
    expect_symbol("event");
    s->event_type = expression();
  }
  if (is_raise) {
    if (accept_symbol("for")) s->for_rid = expression();
  } else if (accept_symbol("at")) {
    s->at = expression();
  } else if (accept_symbol("repeat")) {
    s->timespec = expression();
  } else {
    fail(cur(), "Expected `at` or `repeat`");
  }
  if (accept_symbol("attributes")) s->value = expression();
  if (!is_raise && accept_symbol("setting")) {
    expect(Tok::LParen, "(");
    s->setting = identifier();
    expect(Tok::RParen, ")");
  }
  return s;
}

ast::ExprPtr Parser::path_expression() {
  if (!accept(Tok::LBrace)) return nullptr;
  ast::ExprPtr e = expression();
  expect(Tok::RBrace, "}");
  return e;
}

}  // namespace spime::krl::detail
