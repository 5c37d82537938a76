// Compiling a ruleset (meta, configure, use module, global, rules, shares and
// provides) and lone expressions; `spime krl check`.
#include <algorithm>
#include <set>
#include <string>

#include "engine/krl/compile_scope.h"
#include "engine/krl/parser.h"

namespace spime::krl {

namespace detail {
const std::vector<std::string>& runtime_module_names_list();
}

std::string CompileError::format() const {
  return file + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.col) + ": " + message;
}

const std::vector<std::string>& runtime_module_names() {
  return detail::runtime_module_names_list();
}

namespace {

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

}  // namespace

std::shared_ptr<const Program> compile_ruleset(const ast::Ruleset& rs,
                                               const CompileOptions& options,
                                               std::vector<CompileError>* errors) {
  std::vector<CompileError> local;
  if (!errors) errors = &local;
  size_t first = errors->size();
  detail::Compiler c(options, errors);
  auto code = std::make_shared<detail::ProgramCode>();
  code->rid = rs.rid;
  ProgramMeta& meta = code->meta;
  meta.name = rs.meta.name;
  meta.description = rs.meta.description;
  meta.author = rs.meta.author;
  meta.version = rs.meta.version ? rs.meta.version : rs.version;
  meta.logging = rs.meta.logging;
  meta.shares = dedupe(rs.meta.shares);
  meta.provides = dedupe(rs.meta.provides);

  c.push_frame();  // globals
  for (const auto& d : rs.meta.configure) {
    meta.configure.push_back(d.name);
    detail::InitStep step{
        detail::InitStep::Kind::Configure, d.loc, 0, d.name, c.expr(*d.value), 0, {}};
    step.slot = c.declare(d.name);
    code->init.push_back(std::move(step));
  }
  for (const auto& u : rs.meta.use) {
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
    if (!rule_names.insert(r.name).second) c.error(r.loc, "Duplicate rule name: " + r.name);
    code->rules.emplace_back();
    code->rule_code.emplace_back();
    c.rule(r, &code->rules.back(), &code->rule_code.back());
  }

  for (const auto& [loc, name] : rs.meta.shares) {
    auto g = c.lookup_global(name);
    if (!g || name.rfind("$", 0) == 0) {
      c.error(loc, "Trying to share: " + name + " but it's not defined in global");
    } else if (g->annotation == detail::Annotation::Action) {
      c.error(loc, "Actions must not be shared: " + name);
    } else if (std::none_of(code->shares.begin(), code->shares.end(),
                            [&](const auto& s) { return s.first == name; })) {
      code->shares.emplace_back(name, g->slot);
    }
  }
  for (const auto& [loc, name] : rs.meta.provides) {
    auto g = c.lookup_global(name);
    if (!g || name.rfind("$", 0) == 0) {
      c.error(loc, "Trying to provide: " + name + " but it's not defined in global");
    } else if (std::none_of(code->provides.begin(), code->provides.end(),
                            [&](const auto& s) { return s.first == name; })) {
      code->provides.emplace_back(name, g->slot);
    }
  }
  code->nslots = c.pop_frame();
  sort_errors(errors, first);
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
  auto code = std::make_shared<detail::ExprCode>();
  c.push_frame();
  code->root = c.expr(e);
  code->nslots = c.pop_frame();
  sort_errors(errors, first);
  if (c.failed()) return nullptr;
  return std::make_shared<CompiledExpression>(std::move(code));
}

std::vector<CompileError> check_ruleset_source(std::string_view source, std::string_view file,
                                               const CompileOptions* options) {
  std::vector<CompileError> errors;
  ParseError perr;
  auto rs = parse_ruleset(source, file, &perr);
  if (!rs) {
    errors.push_back({std::string(file), perr.loc, perr.message});
    return errors;
  }
  CompileOptions opts = options ? *options : CompileOptions{};
  opts.file = std::string(file);
  compile_ruleset(*rs, opts, &errors);
  return errors;
}

}  // namespace spime::krl
