// The KRL abstract syntax tree.
//
// The parser (parser.h) builds it; the compiler (compiler.h) turns it into an
// executable Program and keeps no reference to it. Every node carries the
// line:column where it starts. Nodes own their children (unique_ptr); the
// tree is immutable after parsing.
//
// The shapes follow the reference parser's AST (Picolab/pico-engine,
// packages/krl-parser/src/types.ts) so that its semantics carry over one to
// one; names are ours.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/krl/error.h"

namespace spime::krl::ast {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

// ---- Expressions -------------------------------------------------------------

enum class ExprKind {
  Null,
  Boolean,
  Number,
  String,            // plain "..." string: no interpolation in 1.x
  Chevron,           // << ... #{expr} ... >>: parts alternate literal/expr
  RegExp,            // re#...#flags
  Identifier,        // x
  DomainIdentifier,  // ent:x, event:attrs, math:floor, alias:fn
  Array,
  Map,
  Infix,        // a op b
  Unary,        // -a, +a, not a
  Conditional,  // test => a | b
  Member,       // a{k}, a[i], a.b (dot: operator call is an Application)
  Application,  // callee(args)
  Function,     // function(params){ decls; result }
  DefAction,    // defaction(params){ decls; action block; returns ... }
};

struct Expr {
  ExprKind kind;
  Loc loc;
  explicit Expr(ExprKind k, Loc l) : kind(k), loc(l) {}
  virtual ~Expr() = default;
};

struct NullLit : Expr {
  explicit NullLit(Loc l) : Expr(ExprKind::Null, l) {}
};
struct BooleanLit : Expr {
  bool value;
  BooleanLit(Loc l, bool v) : Expr(ExprKind::Boolean, l), value(v) {}
};
struct NumberLit : Expr {
  double value;
  NumberLit(Loc l, double v) : Expr(ExprKind::Number, l), value(v) {}
};
struct StringLit : Expr {
  std::string value;  // escapes already decoded
  StringLit(Loc l, std::string v) : Expr(ExprKind::String, l), value(std::move(v)) {}
};
// << a #{x} b >>: parts in order; literal pieces are StringLit nodes.
struct Chevron : Expr {
  std::vector<ExprPtr> parts;
  explicit Chevron(Loc l) : Expr(ExprKind::Chevron, l) {}
};
struct RegExpLit : Expr {
  std::string source;
  std::string flags;  // subset of "gi"
  RegExpLit(Loc l, std::string s, std::string f)
      : Expr(ExprKind::RegExp, l), source(std::move(s)), flags(std::move(f)) {}
};
struct Identifier : Expr {
  std::string name;
  Identifier(Loc l, std::string n) : Expr(ExprKind::Identifier, l), name(std::move(n)) {}
};
struct DomainIdentifier : Expr {
  std::string domain;  // ent, app, event, math, an alias, ...
  std::string name;
  DomainIdentifier(Loc l, std::string d, std::string n)
      : Expr(ExprKind::DomainIdentifier, l), domain(std::move(d)), name(std::move(n)) {}
};
struct ArrayLit : Expr {
  std::vector<ExprPtr> items;
  explicit ArrayLit(Loc l) : Expr(ExprKind::Array, l) {}
};
struct MapEntry {
  Loc loc;
  std::string key;  // map keys are string literals in KRL
  ExprPtr value;
};
struct MapLit : Expr {
  std::vector<MapEntry> entries;
  explicit MapLit(Loc l) : Expr(ExprKind::Map, l) {}
};
// op is the source text: "||", "&&", "==", "!=", "<", "<=", ">", ">=",
// "like", "><", "<=>", "cmp", "+", "-", "*", "/", "%".
struct Infix : Expr {
  std::string op;
  ExprPtr left, right;
  Infix(Loc l, std::string o, ExprPtr a, ExprPtr b)
      : Expr(ExprKind::Infix, l), op(std::move(o)), left(std::move(a)), right(std::move(b)) {}
};
// op: "-", "+", "not".
struct Unary : Expr {
  std::string op;
  ExprPtr arg;
  Unary(Loc l, std::string o, ExprPtr a)
      : Expr(ExprKind::Unary, l), op(std::move(o)), arg(std::move(a)) {}
};
struct Conditional : Expr {
  ExprPtr test, consequent, alternate;
  Conditional(Loc l, ExprPtr t, ExprPtr c, ExprPtr a)
      : Expr(ExprKind::Conditional, l),
        test(std::move(t)),
        consequent(std::move(c)),
        alternate(std::move(a)) {}
};
// object{property} (Path), object[property] (Index), object.name (Dot: the
// property is an Identifier or DomainIdentifier; `x.op(args)` parses as an
// Application whose callee is this Member node).
struct Member : Expr {
  enum class Method { Index, Path, Dot };
  ExprPtr object;
  Method method;
  ExprPtr property;
  Member(Loc l, ExprPtr o, Method m, ExprPtr p)
      : Expr(ExprKind::Member, l), object(std::move(o)), method(m), property(std::move(p)) {}
};
struct Argument {
  Loc loc;
  std::optional<std::string> name;  // set for named arguments `name = expr`
  ExprPtr value;
};
struct Application : Expr {
  ExprPtr callee;
  std::vector<Argument> args;
  Application(Loc l, ExprPtr c) : Expr(ExprKind::Application, l), callee(std::move(c)) {}
};
struct Parameter {
  Loc loc;
  std::string name;
  ExprPtr default_value;  // may be null
};
struct Declaration {
  Loc loc;
  std::string name;  // left side identifier
  ExprPtr value;
};
struct Function : Expr {
  std::vector<Parameter> params;
  std::vector<Declaration> body;
  ExprPtr result;  // the final expression; may be null (returns null)
  explicit Function(Loc l) : Expr(ExprKind::Function, l) {}
};

// ---- Actions -----------------------------------------------------------------

struct Action {
  Loc loc;
  std::optional<std::string> label;  // `label => action(...)` inside choose
  ExprPtr callee;                    // Identifier or DomainIdentifier
  std::vector<Argument> args;
  std::vector<std::string> setting;  // setting(a, b) binds the action's result
};

struct ActionBlock {
  enum class Type { Every, Sample, Choose };
  Loc loc;
  ExprPtr condition;  // `if cond then ...`; may be null
  Type type = Type::Every;
  ExprPtr discriminant;  // for choose
  std::vector<Action> actions;
};

struct DefAction : Expr {
  std::vector<Parameter> params;
  std::vector<Declaration> body;
  ActionBlock action_block;
  std::vector<ExprPtr> returns;  // `returns a, b` / `return a`; may be empty
  explicit DefAction(Loc l) : Expr(ExprKind::DefAction, l) {}
};

// ---- Event expressions ---------------------------------------------------------

struct EventExpr;
using EventExprPtr = std::unique_ptr<EventExpr>;

struct AttributeMatch {
  Loc loc;
  std::string key;
  std::string regex_source;
  std::string regex_flags;
};

struct EventAggregator {
  Loc loc;
  std::string op;  // max, min, sum, avg, push
  std::vector<std::string> args;
};

struct EventExpr {
  enum class Kind {
    Event,  // domain type [attr re#..#]* [where expr] [setting(...)]
    Or,     // args: 2 (left-assoc chains nest)
    And,
    Before,
    Then,
    After,
    Between,     // args: event, start, end
    NotBetween,  // args: event, start, end
    Any,         // any N (e1, e2, ...): n = N
    Count,       // count N (e) [aggregator]
    Repeat,      // repeat N (e) [aggregator]
  };
  Kind kind;
  Loc loc;
  // Kind::Event
  std::string domain;
  std::string type;
  std::vector<AttributeMatch> attrs;
  ExprPtr where;  // may be null
  std::vector<std::string> setting;
  // Operators
  std::vector<EventExprPtr> args;
  int n = 0;                                  // any/count/repeat
  std::optional<EventAggregator> aggregator;  // count/repeat (or an event's own)
};

struct EventWithin {
  Loc loc;
  ExprPtr amount;
  std::string unit;  // second(s), minute(s), hour(s), day(s), week(s), month(s), year(s)
};

// ---- Postlude ------------------------------------------------------------------

struct Statement;
using StatementPtr = std::unique_ptr<Statement>;

struct Statement {
  enum class Kind {
    Declaration,  // x = expr
    Expression,   // a bare expression (x.klog("..."))
    EntAssign,    // ent:x := e / ent:x{path} := e / app:x := e
    EntClear,     // clear ent:x / clear ent:x{path}
    Raise,        // raise <domain> event <type> [for rids] [attributes e]
    Schedule,     // schedule ... at <time> | repeat <cron> [attributes e] [setting(id)]
    Log,          // log <level> expr
    Error,        // error <level> expr
    Last,         // last
    Guarded,      // <statement> if <cond>  /  <statement> on final
  };
  Kind kind;
  Loc loc;
  // Declaration
  std::string name;
  // EntAssign/EntClear: the variable (domain "ent" or "app") and optional path
  std::string domain, var;
  ExprPtr path;
  // Declaration/Expression/EntAssign/Log/Error value; Raise/Schedule attributes
  ExprPtr value;
  // Raise/Schedule: either domain + type, or a single domainAndType expression
  std::string event_domain;
  ExprPtr event_type;
  ExprPtr event_domain_and_type;
  ExprPtr for_rid;      // Raise
  ExprPtr at;           // Schedule ... at
  ExprPtr timespec;     // Schedule ... repeat
  std::string setting;  // Schedule setting(id)
  // Log/Error level: error, warn, info, debug
  std::string level;
  // Guarded
  ExprPtr condition;  // null means `on final`
  StatementPtr statement;
};

struct Postlude {
  Loc loc;
  // `fired {...} else {...} finally {...}` or `always {...}`; absent blocks empty.
  bool has_fired = false, has_else = false, has_always = false;
  std::vector<StatementPtr> fired;
  std::vector<StatementPtr> notfired;  // else
  std::vector<StatementPtr> always;    // always or finally
};

// ---- Rules and rulesets ------------------------------------------------------

struct ForEach {
  Loc loc;
  ExprPtr expression;
  std::vector<std::string> setting;
};

struct Rule {
  Loc loc;
  std::string name;
  bool active = true;
  // select when <event> [within N unit]; null select means the rule never fires
  EventExprPtr select;
  std::optional<EventWithin> within;
  // `select where <expr>` (the reference's RuleSelect kind "where"): the rule
  // selects every event for which expr is truthy. Null otherwise.
  ExprPtr select_where;
  std::vector<ForEach> foreach;
  std::vector<Declaration> pre;
  std::optional<ActionBlock> action_block;
  std::optional<Postlude> postlude;
};

struct UseModule {
  Loc loc;
  std::string rid;
  std::optional<std::string> version;
  std::optional<std::string> alias;
  std::vector<Declaration> with;  // `with a = 1 and b = 2`
};

struct Meta {
  Loc loc;
  std::optional<std::string> name, description, author, version;
  std::optional<bool> logging;
  std::vector<std::pair<Loc, std::string>> shares, provides;
  std::vector<UseModule> use;
  std::vector<Declaration> configure;  // configure using a = 1 and b = 2
  // Meta keys the reference accepts that carry no semantics here, kept for
  // round-tripping (`keys`, `errors to`, `provides keys ... to ...`, ...).
  std::vector<std::pair<std::string, ExprPtr>> other;
};

struct Ruleset {
  Loc loc;
  std::string rid;
  std::optional<std::string> version;  // ruleset <rid> version "<v>" (reference accepts)
  Meta meta;
  std::vector<Declaration> global;
  std::vector<Rule> rules;
};

}  // namespace spime::krl::ast
