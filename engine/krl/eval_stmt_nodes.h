// Internal: postlude statement types (see eval_nodes.h). Built by
// compile_rules.cpp, executed by eval_statements.cpp.
#pragma once

#include "engine/krl/eval_nodes.h"

namespace spime::krl::detail {

struct DeclStmt : Stmt {
  int slot;
  NodePtr value;
  DeclStmt(Loc l, int s, NodePtr v) : Stmt(l), slot(s), value(std::move(v)) {}
  void exec(Env& env) const override;
};

struct ExprStmt : Stmt {
  NodePtr value;
  ExprStmt(Loc l, NodePtr v) : Stmt(l), value(std::move(v)) {}
  void exec(Env& env) const override;
};

// ent:var := value / ent:var{path} := value
struct EntAssignStmt : Stmt {
  std::string var;
  NodePtr path;  // may be null
  NodePtr value;
  using Stmt::Stmt;
  void exec(Env& env) const override;
};

struct EntClearStmt : Stmt {
  std::string var;
  NodePtr path;  // may be null
  using Stmt::Stmt;
  void exec(Env& env) const override;
};

struct RaiseStmt : Stmt {
  std::string domain;
  NodePtr type;             // with domain
  NodePtr domain_and_type;  // or "domain:type"
  NodePtr for_rid;          // may be null
  NodePtr attrs;            // may be null
  using Stmt::Stmt;
  void exec(Env& env) const override;
};

struct ScheduleStmt : Stmt {
  std::string domain;
  NodePtr type, domain_and_type, attrs;
  NodePtr at, timespec;
  int setting_slot = -1;
  using Stmt::Stmt;
  void exec(Env& env) const override;
};

struct LogStmt : Stmt {
  LogLevel level;
  NodePtr value;
  LogStmt(Loc l, LogLevel lv, NodePtr v) : Stmt(l), level(lv), value(std::move(v)) {}
  void exec(Env& env) const override;
};

struct ErrorStmt : Stmt {
  std::string level;
  NodePtr value;
  ErrorStmt(Loc l, std::string lv, NodePtr v)
      : Stmt(l), level(std::move(lv)), value(std::move(v)) {}
  void exec(Env& env) const override;
};

struct LastStmt : Stmt {
  using Stmt::Stmt;
  void exec(Env& env) const override;
};

// `<statement> if <cond>` / `<statement> on final`.
struct GuardedStmt : Stmt {
  NodePtr condition;  // null: on final
  StmtPtr statement;
  using Stmt::Stmt;
  void exec(Env& env) const override;
};

}  // namespace spime::krl::detail
