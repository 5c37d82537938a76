// Internal: the compiler's state — lexical scopes resolved to frame slots,
// module domains, and the problems found so far. One Compiler compiles one
// ruleset or one expression; compile_*.cpp implement its parts.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/krl/ast.h"
#include "engine/krl/compiler.h"
#include "engine/krl/eval_expr_nodes.h"

namespace spime::krl::detail {

// What the compiler knows of a name's value, for the reference's static
// "Not a function" / "Not an action" checks.
enum class Annotation { Unknown, Function, Action };

class Compiler {
 public:
  Compiler(const CompileOptions& options, std::vector<CompileError>* errors)
      : options_(options), errors_(errors) {}

  void error(Loc loc, std::string message);
  bool failed() const { return failed_; }

  // ---- scopes (compile_scope.cpp) ----
  void push_frame();
  int pop_frame();  // returns the frame's slot count
  int declare(const std::string& name, Annotation a = Annotation::Unknown);
  void annotate(const std::string& name, Annotation a);
  struct Resolved {
    int hops, slot;
    Annotation annotation;
  };
  std::optional<Resolved> lookup(const std::string& name) const;
  // Only the outermost frame (the ruleset's globals).
  std::optional<Resolved> lookup_global(const std::string& name) const;
  int frame_depth() const { return static_cast<int>(frames_.size()); }

  // ---- expressions (compile_expressions.cpp) ----
  NodePtr expr(const ast::Expr& e);
  NodePtr application(const ast::Application& app);
  // `domain:name`, applied (args given) or read (a call without arguments).
  NodePtr domain_identifier(const ast::DomainIdentifier& d, const ast::Expr* receiver,
                            const std::vector<ast::Argument>* args);
  // The callee of an action (`noop()`, `send_directive(..)`, `http:post(..)`, a defaction).
  NodePtr action_callee(const ast::Expr& callee);
  ArgsCode arguments(const std::vector<ast::Argument>& args);

  // ---- functions and declarations (compile_functions.cpp) ----
  NodePtr function(const ast::Function& f, const std::string& name);
  NodePtr defaction(const ast::DefAction& f, const std::string& name);
  // The reference's declarationBlock: names of functions/defactions first.
  std::vector<DeclCode> declarations(const std::vector<ast::Declaration>& decls);
  std::unique_ptr<ActionBlockCode> action_block(const ast::ActionBlock& b);

  // ---- rules (compile_rules.cpp) ----
  void rule(const ast::Rule& r, RuleInfo* info, RuleCode* code);

  // Used-module aliases: alias -> (global slot, rid).
  std::map<std::string, std::pair<int, std::string>> aliases;

 private:
  void params(const std::vector<ast::Parameter>& ps, FunctionCode* code);
  StmtPtr statement(const ast::Statement& s);
  // `aggregator`: a count/repeat group's aggregator, read by this leaf.
  void select(const ast::EventExpr& e, RuleCode* code, SelectTree* out,
              const ast::EventAggregator* aggregator = nullptr);
  void select_where(const ast::Expr& where, RuleCode* code, SelectTree* out);

  struct Entry {
    int slot;
    Annotation annotation;
  };
  struct FrameScope {
    std::unordered_map<std::string, Entry> names;
    int nslots = 0;
  };
  const CompileOptions& options_;
  std::vector<CompileError>* errors_;
  bool failed_ = false;
  std::vector<FrameScope> frames_;
};

}  // namespace spime::krl::detail
