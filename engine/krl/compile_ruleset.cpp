// Compiling a ruleset (meta, configure, use module, global, rules, shares and
// provides) and lone expressions; `spime krl check`.
#include <algorithm>
#include <set>
#include <string>

#include "engine/krl/compile_purity.h"
#include "engine/krl/compile_scope.h"
#include "engine/krl/eval_nodes.h"
#include "engine/krl/parser.h"
#include "engine/krl/stdlib/stdlib.h"

namespace spime::krl {

std::string CompileError::format() const {
  return file + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.col) + ": " +
         (warning ? "warning: " : "") + message;
}

bool has_errors(const std::vector<CompileError>& errors) {
  return std::any_of(errors.begin(), errors.end(),
                     [](const CompileError& e) { return !e.warning; });
}

namespace {

// Program::shareable_globals: every configure default, `with` and global
// declaration is pico-independent (compile_purity.h), and no `within` is
// computed per instance.
bool globals_are_shareable(const ast::Ruleset& rs, const std::vector<RuleInfo>& rules) {
  std::set<std::string> aliases, declared;
  for (const auto& u : rs.meta.use) aliases.insert(u.alias ? *u.alias : u.rid);
  for (const auto& d : rs.meta.configure) declared.insert(d.name);
  for (const auto& d : rs.global) declared.insert(d.name);
  auto pure = [&](const ast::ExprPtr& e) {
    return !e || detail::is_pico_independent(*e, aliases, declared);
  };
  for (const auto& d : rs.meta.configure) {
    if (!pure(d.value)) return false;
  }
  for (const auto& u : rs.meta.use) {
    for (const auto& w : u.with) {
      if (!pure(w.value)) return false;
    }
  }
  for (const auto& d : rs.global) {
    if (!pure(d.value)) return false;
  }
  for (const auto& r : rules) {
    if (r.within_is_dynamic) return false;
  }
  return true;
}

void sort_errors(std::vector<CompileError>* errors, size_t from) {
  std::stable_sort(errors->begin() + static_cast<long>(from), errors->end(),
                   [](const CompileError& a, const CompileError& b) {
                     return a.loc.line != b.loc.line ? a.loc.line < b.loc.line
                                                     : a.loc.col < b.loc.col;
                   });
}

std::vector<std::string> dedupe(const std::vector<std::pair<Loc, std::string>>& ids) {
  std::vector<std::string> out;
  for (const auto& [loc, id] : ids) {
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  }
  return out;
}

// A JavaScript array index ("0", "42"; not "01" or "-1"): such keys come
// first, ascending, when JavaScript lists an object's keys.
bool is_array_index(const std::string& k) {
  if (k.empty() || k.size() > 10 || (k.size() > 1 && k[0] == '0')) return false;
  if (!std::all_of(k.begin(), k.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  return std::stoull(k) < 4294967295ULL;
}

// `keys` (distinct, in insertion order) in JavaScript's Object.keys order.
std::vector<std::string> js_key_order(std::vector<std::string> keys) {
  std::stable_sort(keys.begin(), keys.end(), [](const std::string& a, const std::string& b) {
    bool ia = is_array_index(a), ib = is_array_index(b);
    if (ia != ib) return ia;
    return ia && std::stoull(a) < std::stoull(b);
  });
  return keys;
}

template <typename T, typename F>
std::vector<std::string> distinct(const std::vector<T>& items, F key) {
  std::vector<std::string> out;
  for (const auto& i : items) {
    const std::string& k = key(i);
    if (std::find(out.begin(), out.end(), k) == out.end()) out.push_back(k);
  }
  return out;
}

// The reference's `__testing`: {"queries": [{"name", "args"}...], "events":
// [{"domain", "name", "attrs"}...]}, events grouped by rule, then domain.
Value testing_value(
    const std::vector<std::pair<std::string, std::optional<std::vector<std::string>>>>& queries,
    const detail::TestingEvents& testing) {
  Array qs;
  for (const auto& [name, args] : queries) {
    Map q;
    q.set("name", Value(name));
    Value a;  // null when not known
    if (args) {
      Array list;
      for (const auto& p : *args) list.push_back(Value(p));
      a = Value(std::move(list));
    }
    q.set("args", std::move(a));
    qs.push_back(Value(std::move(q)));
  }
  using Event = detail::TestingEvents::Event;
  const auto& evs = testing.events;
  Array es;
  for (const auto& rule :
       js_key_order(distinct(evs, [](const Event& e) -> const std::string& { return e.rule; }))) {
    std::vector<Event> in_rule;
    for (const auto& e : evs) {
      if (e.rule == rule) in_rule.push_back(e);
    }
    for (const auto& domain : js_key_order(
             distinct(in_rule, [](const Event& e) -> const std::string& { return e.domain; }))) {
      std::vector<Event> in_domain;
      for (const auto& e : in_rule) {
        if (e.domain == domain) in_domain.push_back(e);
      }
      for (const auto& type : js_key_order(
               distinct(in_domain, [](const Event& e) -> const std::string& { return e.type; }))) {
        const Event* ev = nullptr;
        for (const auto& e : in_domain) {
          if (e.type == type) ev = &e;
        }
        Map m;
        m.set("domain", Value(domain));
        m.set("name", Value(type));
        Array attrs;
        for (const auto& k : js_key_order(ev->attrs)) attrs.push_back(Value(k));
        m.set("attrs", Value(std::move(attrs)));
        es.push_back(Value(std::move(m)));
      }
    }
  }
  Map out;
  out.set("queries", Value(std::move(qs)));
  out.set("events", Value(std::move(es)));
  return Value(std::move(out));
}

// The reference's RulesetMeta: the properties its compiler supports, one of
// each of version/name/description/author/logging, and their expressions
// compiled (a name there must be defined).
void check_meta(detail::Compiler& c, const ast::Ruleset& rs) {
  const ast::Meta& m = rs.meta;
  const bool has_meta = m.loc.line > 0;
  if (rs.version && !has_meta) {
    // The reference adds it to the meta block, which is not there.
    c.error(rs.loc, "ruleset{version ...} needs a meta block");
  }
  // `ruleset x { version ...}` and `use module x version ...` are versions
  // of the meta block for the reference.
  std::vector<Loc> versions;
  if (rs.version) versions.push_back(rs.loc);
  for (const auto& u : m.use) {
    if (u.version) versions.push_back(u.loc);
  }
  if (m.version) versions.push_back(m.loc);
  for (const auto& [key, value] : m.other) {
    if (key == "version") versions.push_back(value->loc);
  }
  if (versions.size() > 1) c.error(versions[1], "only 1 meta.version allowed");
  for (const auto& [key, value] : m.other) {
    if (key == "name" || key == "description" || key == "author" || key == "version") {
      c.expr(*value);
    } else {
      c.error(value->loc, "RulesetMetaProperty not supported: " + key);
    }
  }
}

}  // namespace

std::shared_ptr<const Program> compile_ruleset(const ast::Ruleset& rs,
                                               const CompileOptions& options,
                                               std::vector<CompileError>* errors) {
  std::vector<CompileError> local;
  if (!errors) errors = &local;
  size_t first = errors->size();
  size_t first_warning = options.warnings ? options.warnings->size() : 0;
  detail::Compiler c(options, errors);
  auto code = std::make_shared<detail::ProgramCode>();
  code->rid = rs.rid;
  ProgramMeta& meta = code->meta;
  meta.name = rs.meta.name;
  meta.description = rs.meta.description;
  meta.author = rs.meta.author;
  meta.version = rs.meta.version ? rs.meta.version : rs.version;
  for (const auto& u : rs.meta.use) {
    if (!meta.version && u.version) meta.version = u.version;
  }
  meta.logging = rs.meta.logging;
  meta.shares = dedupe(rs.meta.shares);
  meta.provides = dedupe(rs.meta.provides);

  c.push_frame();  // globals
  // `__testing` is in the reference's root scope (a global may shadow it):
  // its value is made once the rules are compiled.
  const int testing_slot = c.declare("__testing", detail::TypeInfo{detail::Annotation::Map, {}});
  code->init.push_back(detail::InitStep{
      detail::InitStep::Kind::Declare, rs.loc, testing_slot, "__testing", nullptr, 0, {}});
  check_meta(c, rs);

  // configure and use module, in source order (each sees those before it).
  struct MetaStep {
    int offset;
    const ast::Declaration* configure;
    const ast::UseModule* use;
  };
  std::vector<MetaStep> order;
  for (const auto& d : rs.meta.configure) order.push_back({d.loc.offset, &d, nullptr});
  for (const auto& u : rs.meta.use) order.push_back({u.loc.offset, nullptr, &u});
  std::stable_sort(order.begin(), order.end(),
                   [](const MetaStep& a, const MetaStep& b) { return a.offset < b.offset; });
  for (const MetaStep& ms : order) {
    if (ms.configure) {
      const ast::Declaration& d = *ms.configure;
      meta.configure.push_back(d.name);
      detail::InitStep step{
          detail::InitStep::Kind::Configure, d.loc, 0, d.name, c.expr(*d.value), 0, {}};
      step.slot = c.declare(d.name, c.type_of(*d.value));
      code->init.push_back(std::move(step));
      continue;
    }
    const ast::UseModule& u = *ms.use;
    UseModuleSpec spec{u.loc, u.rid, u.version, u.alias ? *u.alias : u.rid, {}};
    detail::InitStep step{
        detail::InitStep::Kind::Use, u.loc, 0, spec.alias, nullptr, meta.use.size(), {}};
    for (const auto& w : u.with) {
      spec.with.push_back(w.name);
      step.with.emplace_back(w.name, c.expr(*w.value));
    }
    step.slot = c.declare("$module:" + spec.alias);
    c.aliases[spec.alias] = {step.slot, u.rid};
    meta.use.push_back(std::move(spec));
    code->init.push_back(std::move(step));
  }
  std::vector<detail::DeclCode> globals = c.declarations(rs.global);
  for (size_t i = 0; i < globals.size(); ++i) {
    if (!globals[i].value) continue;
    code->init.push_back(detail::InitStep{detail::InitStep::Kind::Declare,
                                          rs.global[i].loc,
                                          globals[i].slot,
                                          rs.global[i].name,
                                          std::move(globals[i].value),
                                          0,
                                          {}});
  }

  std::set<std::string> rule_names;
  for (const auto& r : rs.rules) {
    // The reference keeps rule names in a plain object (is_object_prototype_name).
    if (!rule_names.insert(r.name).second || detail::is_object_prototype_name(r.name)) {
      c.error(r.loc, "Duplicate rule name: " + r.name);
    }
    code->rules.emplace_back();
    code->rule_code.emplace_back();
    c.rule(r, &code->rules.back(), &code->rule_code.back());
  }
  code->shareable_globals = globals_are_shareable(rs, code->rules);

  // A shared or provided name is a global, or in the root scope: an operator
  // or built-in action of the stdlib (given a slot of its own here).
  struct Named {
    int slot;
    detail::TypeInfo type;
    bool root;
  };
  auto resolve = [&](const std::string& name) -> std::optional<Named> {
    if (name.rfind("$", 0) == 0) return std::nullopt;
    if (auto g = c.lookup_global(name)) return Named{g->slot, *g->type, false};
    auto type = c.identifier_type(name);
    if (!type) return std::nullopt;
    const Builtin* b = stdlib::find_operator(name);
    if (!b) b = detail::find_builtin_action(name);
    const std::string hidden = "$root:" + name;
    if (auto g = c.lookup_global(hidden)) return Named{g->slot, *g->type, true};
    int slot = c.declare(hidden, detail::TypeInfo{*type, {}});
    code->init.push_back(
        detail::InitStep{detail::InitStep::Kind::Declare,
                         rs.loc,
                         slot,
                         name,
                         std::make_unique<detail::ConstNode>(rs.loc, make_builtin_function(b)),
                         0,
                         {}});
    return Named{slot, detail::TypeInfo{*type, {}}, true};
  };
  std::vector<std::pair<std::string, std::optional<std::vector<std::string>>>> testing_queries;
  for (const auto& [loc, name] : rs.meta.shares) {
    auto g = resolve(name);
    if (!g) {
      c.error(loc, "Trying to share: " + name + " but it's not defined in global");
      continue;
    }
    if (g->type.type == detail::Annotation::Action) {
      c.error(loc, "Actions must not be shared: " + name);
      continue;
    }
    // A function's parameters; an operator's are not known (null).
    std::optional<std::vector<std::string>> args = std::vector<std::string>{};
    if (g->type.type == detail::Annotation::Function) {
      args = g->root ? std::nullopt : std::optional<std::vector<std::string>>(g->type.params);
    }
    testing_queries.emplace_back(name, std::move(args));
    if (std::none_of(code->shares.begin(), code->shares.end(),
                     [&shared = name](const auto& s) { return s.first == shared; })) {
      code->shares.emplace_back(name, g->slot);
    }
  }
  for (const auto& [loc, name] : rs.meta.provides) {
    auto g = resolve(name);
    if (!g) {
      c.error(loc, "Trying to provide: " + name + " but it's not defined in global");
    } else if (std::none_of(code->provides.begin(), code->provides.end(),
                            [&provided = name](const auto& s) { return s.first == provided; })) {
      code->provides.emplace_back(name, g->slot);
    }
  }
  // The reference answers the query `__testing` whether shared or not.
  if (std::none_of(code->shares.begin(), code->shares.end(),
                   [](const auto& s) { return s.first == "__testing"; })) {
    code->shares.emplace_back("__testing", testing_slot);
  }
  code->init[0].value =
      std::make_unique<detail::ConstNode>(rs.loc, testing_value(testing_queries, c.testing));
  code->nslots = c.pop_frame();
  sort_errors(errors, first);
  if (options.warnings) sort_errors(options.warnings, first_warning);
  if (c.failed()) return nullptr;
  return std::make_shared<Program>(std::move(code));
}

std::shared_ptr<const CompiledExpression> compile_expression(const ast::Expr& e,
                                                             const CompileOptions& options,
                                                             std::vector<CompileError>* errors) {
  std::vector<CompileError> local;
  if (!errors) errors = &local;
  size_t first = errors->size();
  detail::Compiler c(options, errors);
  c.lone_expression = true;
  auto code = std::make_shared<detail::ExprCode>();
  c.push_frame();
  code->root = c.expr(e);
  code->nslots = c.pop_frame();
  sort_errors(errors, first);
  if (c.failed()) return nullptr;
  return std::make_shared<CompiledExpression>(std::move(code));
}

namespace {

// A source that is not a ruleset, as the reference compiles it: each
// declaration and expression in order, in the ruleset's root scope.
void check_statement_list(const std::vector<ast::StatementPtr>& statements,
                          const CompileOptions& options, std::vector<CompileError>* errors) {
  detail::Compiler c(options, errors);
  c.push_frame();
  c.declare("__testing", detail::TypeInfo{detail::Annotation::Map, {}});
  for (const auto& s : statements) c.statement(*s);
  c.pop_frame();
}

}  // namespace

std::vector<CompileError> check_ruleset_source(std::string_view source, std::string_view file,
                                               const CompileOptions* options) {
  std::vector<CompileError> errors;
  std::vector<CompileError> warnings;
  CompileOptions opts = options ? *options : CompileOptions{};
  opts.file = std::string(file);
  opts.warnings = &warnings;
  ParseError perr;
  if (source.empty()) {
    // The reference compiler takes "" for no source at all ("Invalid ast node").
    errors.push_back({std::string(file), Loc{1, 1, 0}, "Empty source: not a ruleset"});
    return errors;
  }
  if (!starts_with_ruleset(source)) {
    auto statements = parse_statement_list(source, file, &perr);
    if (!statements) {
      errors.push_back({std::string(file), perr.loc, perr.message});
      return errors;
    }
    check_statement_list(*statements, opts, &errors);
    warnings.push_back({std::string(file), Loc{1, 1, 0},
                        "not a ruleset (no `ruleset <rid> {...}`): it cannot be installed", true});
  } else {
    auto rs = parse_ruleset(source, file, &perr);
    if (!rs) {
      errors.push_back({std::string(file), perr.loc, perr.message});
      return errors;
    }
    compile_ruleset(*rs, opts, &errors);
  }
  errors.insert(errors.end(), warnings.begin(), warnings.end());
  sort_errors(&errors, 0);
  return errors;
}

}  // namespace spime::krl
