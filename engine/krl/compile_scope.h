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
// "Not a function: <type>" / "Not an action: <type>" checks: a function or
// defaction declared as such (or an identifier naming one), the stdlib's
// operators (Function), send_directive (Action) and noop (ActionFunction),
// select-when setting variables (String) and `__testing` (Map).
enum class Annotation { Unknown, Function, Action, ActionFunction, String, Map };
const char* annotation_name(Annotation a);

// The names every JavaScript object has (Object.prototype's properties). The
// reference compiler keeps rule and parameter names, and declarations, in
// plain objects, so these names behave as already present there: a rule or
// parameter so named is a "Duplicate", a function so named is never compiled.
bool is_object_prototype_name(const std::string& name);

// An annotation with, for functions and actions, the parameter names (for
// `__testing`'s queries).
struct TypeInfo {
  Annotation type = Annotation::Unknown;
  std::vector<std::string> params;
};

// The reference's testing description (`__testing`): for each rule, the
// events it selects and the attributes it reads.
struct TestingEvents {
  struct Event {
    std::string rule, domain, type;
    std::vector<std::string> attrs;
  };
  std::vector<Event> events;
  const std::string* rule = nullptr;  // the rule being compiled, if any
  void add(const std::string& domain, const std::string& type);
  void add_attr(const std::string& key);
};

class Compiler {
 public:
  Compiler(const CompileOptions& options, std::vector<CompileError>* errors)
      : options_(options), errors_(errors) {}

  void error(Loc loc, std::string message);
  void warning(Loc loc, std::string message);
  bool failed() const { return failed_; }
  // Compiles with `fn` as if the reference did not see it: its errors,
  // warnings and `__testing` attributes are kept out. Returns the first
  // error ("" when none).
  template <typename F>
  std::string quietly(F&& fn) {
    std::vector<CompileError> local;
    std::vector<CompileError>* saved = errors_;
    bool saved_failed = failed_;
    std::vector<TestingEvents::Event> saved_events = testing.events;
    errors_ = &local;
    ++quiet_;
    fn();
    --quiet_;
    errors_ = saved;
    failed_ = saved_failed;
    testing.events = std::move(saved_events);
    return local.empty() ? std::string() : local.front().message;
  }

  // ---- scopes (compile_scope.cpp) ----
  void push_frame();
  int pop_frame();  // returns the frame's slot count
  int declare(const std::string& name, TypeInfo t = {});
  void annotate(const std::string& name, TypeInfo t);
  struct Resolved {
    int hops, slot;
    const TypeInfo* type;
  };
  std::optional<Resolved> lookup(const std::string& name) const;
  // Only the outermost frame (the ruleset's globals).
  std::optional<Resolved> lookup_global(const std::string& name) const;
  int frame_depth() const { return static_cast<int>(frames_.size()); }
  // What an identifier names, as the reference sees it: a declared name, else
  // the root scope (stdlib operators and actions); nullopt when undefined.
  std::optional<Annotation> identifier_type(const std::string& name) const;
  // The annotation the reference gives a declaration (or parameter default)
  // whose value is `e`: a function or defaction, or an identifier's own.
  TypeInfo type_of(const ast::Expr& e) const;

  // A lone expression (compile_expression): an unknown domain is an error.
  bool lone_expression = false;
  TestingEvents testing;

  // ---- expressions (compile_expressions.cpp) ----
  NodePtr expr(const ast::Expr& e);
  NodePtr application(const ast::Application& app);
  // `domain:name`, applied (args given) or read (a call without arguments).
  NodePtr domain_identifier(const ast::DomainIdentifier& d, const ast::Expr* receiver,
                            const std::vector<ast::Argument>* args);
  // The callee of an action (`noop()`, `send_directive(..)`, `http:post(..)`, a defaction).
  NodePtr action_callee(const ast::Expr& callee);
  // `alias:name` of a used module (`d.domain` is in `aliases`): read when
  // called; a warning when the module is known not to provide `name`.
  NodePtr module_member(const ast::DomainIdentifier& d);
  ArgsCode arguments(const std::vector<ast::Argument>& args);

  // ---- functions and declarations (compile_functions.cpp) ----
  NodePtr function(const ast::Function& f, const std::string& name);
  NodePtr defaction(const ast::DefAction& f, const std::string& name);
  // The reference's declarationBlock: names of functions/defactions first.
  std::vector<DeclCode> declarations(const std::vector<ast::Declaration>& decls);
  std::unique_ptr<ActionBlockCode> action_block(const ast::ActionBlock& b);

  // ---- rules (compile_rules.cpp) ----
  void rule(const ast::Rule& r, RuleInfo* info, RuleCode* code);
  StmtPtr statement(const ast::Statement& s);

  // Used-module aliases: alias -> (global slot, rid).
  std::map<std::string, std::pair<int, std::string>> aliases;

 private:
  void params(const std::vector<ast::Parameter>& ps, FunctionCode* code);
  // `domain:name` that is neither `ent`, a used module nor a known module.
  NodePtr unknown_domain(const ast::DomainIdentifier& d);
  const Module* find_module(const std::string& domain) const;
  // `aggregator`: a count/repeat group's aggregator, read by this leaf.
  void select(const ast::EventExpr& e, RuleCode* code, SelectTree* out,
              const ast::EventAggregator* aggregator = nullptr);
  void select_where(const ast::Expr& where, RuleCode* code, SelectTree* out);

  struct Entry {
    int slot;
    TypeInfo type;
  };
  struct FrameScope {
    std::unordered_map<std::string, Entry> names;
    int nslots = 0;
  };
  const CompileOptions& options_;
  std::vector<CompileError>* errors_;
  bool failed_ = false;
  int quiet_ = 0;  // > 0 inside quietly(): warnings are dropped
  // > 0 while compiling a function or defaction body: host modules used only
  // there are not reported in CompileOptions::used_host_modules.
  int function_depth_ = 0;
  struct FunctionBody {
    explicit FunctionBody(int* depth) : depth_(depth) { ++*depth_; }
    ~FunctionBody() { --*depth_; }
    FunctionBody(const FunctionBody&) = delete;
    FunctionBody& operator=(const FunctionBody&) = delete;
    int* depth_;
  };
  std::vector<FrameScope> frames_;
};

}  // namespace spime::krl::detail
