// Internal to the parser (parser*.cpp): the Parser class shared by the
// expression, event-expression and ruleset parts. Not a public contract.
//
// It is a top-down operator-precedence (Pratt) parser over the token vector
// from lexer.h, structured like the reference's tdop.ts/krl.ts. Errors are
// thrown as Failure and turned into ParseError at the API border.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/krl/ast.h"
#include "engine/krl/lexer.h"

namespace spime::krl::detail {

struct Failure {
  int offset;
  std::string message;
};

class Parser {
 public:
  explicit Parser(std::string_view source);

  // ---- cursor (parser.cpp) ----
  // References stay valid until the next advance().
  const Token& cur() const { return window_[head_]; }
  // The n-th token after the current one (0 = current, n <= 2); End past the end.
  const Token& peek(int n);
  void advance();
  [[noreturn]] void fail(const Token& at, std::string message) const;
  void expect(Tok t, const char* text);  // "Expected `text`"
  bool accept(Tok t);
  bool accept_symbol(std::string_view s);
  void expect_symbol(const char* s);
  // The reference's rule id of the current token ("(end)", "SYMBOL", "{", "not", ...).
  std::string rule_id(const Token& t) const;
  void expect_end();

  // ---- words and lists (parser.cpp) ----
  std::string word(const char* expected_what);  // any symbol
  bool at_identifier() const;                   // a symbol that is not reserved
  std::string identifier();                     // "Expected Identifier"
  ast::ExprPtr identifier_or_domain_identifier();
  std::vector<std::string> identifier_list();
  std::vector<std::pair<Loc, std::string>> identifier_list_with_locs();
  std::string ruleset_id();
  std::vector<ast::Declaration> declaration_list();
  ast::Declaration declaration();
  std::vector<ast::Parameter> parameters();
  std::vector<ast::Argument> arguments_after_paren();
  std::string string_literal_value();  // "Expected String"

  // ---- expressions (parser.cpp) ----
  ast::ExprPtr expression(int rbp = 0, const char* error_message = "Expected an expression");

  // ---- event expressions (parser_event.cpp) ----
  ast::EventExprPtr event_expression(int rbp = 0);

  // ---- rulesets, rules, actions, postludes (parser_ruleset.cpp) ----
  std::unique_ptr<ast::Ruleset> ruleset();
  ast::ActionBlock action_block();
  // A source that is not a ruleset: declarations and expressions.
  std::unique_ptr<std::vector<ast::StatementPtr>> statement_list();

  // Counts nesting (recursion and operator chains) against kMaxParseDepth.
  class Depth {
   public:
    Depth(Parser& p, const Token& at);
    ~Depth() { --p_.depth_; }
    Depth(const Depth&) = delete;
    Depth& operator=(const Depth&) = delete;

   private:
    Parser& p_;
  };
  // For left-nesting operator chains: one more level of tree depth.
  void deepen(int& chain, const Token& at);

 private:
  ast::ExprPtr nud(const Token& t, const char* error_message);
  ast::ExprPtr led(const Token& t, ast::ExprPtr left);
  ast::ExprPtr symbol_nud(const Token& t);
  ast::ExprPtr map_literal(const Token& t);
  ast::ExprPtr array_literal(const Token& t);
  ast::ExprPtr chevron(const Token& t);
  ast::ExprPtr regexp(const Token& t);
  ast::ExprPtr function(const Token& t);
  ast::ExprPtr defaction(const Token& t);

  ast::EventExprPtr event_nud(const Token& t);
  ast::EventExprPtr event_base(const Token& domain);
  ast::EventExprPtr event_variable_arity(const Token& t, ast::EventExpr::Kind kind, bool has_n);
  ast::EventExprPtr event_group(const Token& t, ast::EventExpr::Kind kind);
  int positive_integer();

  void meta(ast::Ruleset& rs);
  bool meta_property(ast::Meta& m);
  std::vector<ast::Declaration> with_body();
  bool rule(std::vector<ast::Rule>& rules);
  void select(ast::Rule& r);
  ast::Action action();
  std::vector<ast::Action> action_list();
  std::optional<ast::Postlude> postlude();
  std::vector<ast::StatementPtr> statements();
  ast::StatementPtr statement();
  ast::StatementPtr statement_core();
  ast::StatementPtr event_statement(ast::Statement::Kind kind);
  ast::ExprPtr path_expression();

  // Lookahead window over the lexer: a ring of the next `count_` tokens.
  Lexer lexer_;
  Token window_[4];
  int head_ = 0, count_ = 0;
  int depth_ = 0;
};

bool is_reserved_word(std::string_view s);

}  // namespace spime::krl::detail
