// Compiling functions, defactions, parameters, declaration blocks and action blocks.
#include <set>
#include <string>

#include "engine/krl/compile_scope.h"

namespace spime::krl::detail {

void Compiler::params(const std::vector<ast::Parameter>& ps, FunctionCode* code) {
  std::set<std::string> seen;
  bool seen_default = false;
  for (const auto& p : ps) {
    // The reference keeps the names seen in a plain object (see
    // is_object_prototype_name).
    bool dup = !seen.insert(p.name).second || is_object_prototype_name(p.name);
    if (dup) error(p.loc, "Duplicate parameter: " + p.name);
    if (p.default_value) {
      seen_default = true;
    } else if (seen_default) {
      error(p.loc, "Cannot have a non-default parameter after a defaulted one");
    }
    // Parameter i is slot i of a fresh frame; declared before its default is
    // compiled, so a default sees the parameters before it (as the reference).
    std::string name = dup ? "$dup" + std::to_string(code->params.size()) : p.name;
    declare(name);
    ParamCode pc;
    pc.name = p.name;
    if (p.default_value) {
      pc.default_value = expr(*p.default_value);
      // `f = g` gives f what is known of g (as a declaration would).
      TypeInfo t = type_of(*p.default_value);
      if (t.type != Annotation::Unknown) annotate(name, std::move(t));
    }
    code->params.push_back(std::move(pc));
  }
}

NodePtr Compiler::function(const ast::Function& f, const std::string& name) {
  auto code = std::make_unique<FunctionCode>();
  code->loc = f.loc;
  code->name = name;
  FunctionBody in_body(&function_depth_);
  push_frame();
  params(f.params, code.get());
  code->body = declarations(f.body);
  if (f.result) code->result = expr(*f.result);
  code->nslots = pop_frame();
  auto n = std::make_unique<FunctionNode>(f.loc);
  n->code = std::move(code);
  return n;
}

NodePtr Compiler::defaction(const ast::DefAction& f, const std::string& name) {
  auto code = std::make_unique<FunctionCode>();
  code->loc = f.loc;
  code->name = name;
  code->is_action = true;
  FunctionBody in_body(&function_depth_);
  push_frame();
  params(f.params, code.get());
  code->body = declarations(f.body);
  code->action_block = action_block(f.action_block);
  for (const auto& r : f.returns) code->returns.push_back(expr(*r));
  code->nslots = pop_frame();
  auto n = std::make_unique<FunctionNode>(f.loc);
  n->code = std::move(code);
  return n;
}

std::vector<DeclCode> Compiler::declarations(const std::vector<ast::Declaration>& decls) {
  std::vector<DeclCode> out(decls.size());
  std::set<std::string> seen;
  // Only functions: the reference's check (`type === "Action"`) never matches
  // a defaction (its parser's node type is "DefAction"), so a defaction is
  // compiled in order as any value, seeing only what is declared before it
  // (not itself).
  auto is_fn = [](const ast::Declaration& d) {
    return d.value && d.value->kind == ast::ExprKind::Function;
  };
  auto compile_value = [&](const ast::Declaration& d) -> NodePtr {
    if (d.value->kind == ast::ExprKind::Function) {
      return function(static_cast<const ast::Function&>(*d.value), d.name);
    }
    if (d.value->kind == ast::ExprKind::DefAction) {
      return defaction(static_cast<const ast::DefAction&>(*d.value), d.name);
    }
    return expr(*d.value);
  };
  // As the reference's declarationBlock: a first pass names the functions
  // (type Unknown until compiled, for recursion and forward use) and compiles
  // the other declarations in order, each seeing those before it; the second
  // pass compiles the functions, in order.
  for (size_t i = 0; i < decls.size(); ++i) {
    const auto& d = decls[i];
    if (!seen.insert(d.name).second) error(d.loc, "Duplicate declaration: " + d.name);
    if (d.name == "null") error(d.loc, "Cannot declare: null");
    if (is_fn(d)) {
      // The reference finds such a name already "compiled" (an inherited
      // property of its plain object), never compiles the function, and
      // then fails generating code.
      if (is_object_prototype_name(d.name))
        error(d.loc, "Cannot declare a function named " + d.name);
      declare(d.name);
    } else {
      NodePtr v = compile_value(d);
      out[i] = DeclCode{declare(d.name, type_of(*d.value)), std::move(v)};
    }
  }
  for (size_t i = 0; i < decls.size(); ++i) {
    if (!is_fn(decls[i])) continue;
    annotate(decls[i].name, TypeInfo{});
    NodePtr v = compile_value(decls[i]);
    annotate(decls[i].name, type_of(*decls[i].value));
    out[i] = DeclCode{lookup(decls[i].name)->slot, std::move(v)};
  }
  return out;
}

std::unique_ptr<ActionBlockCode> Compiler::action_block(const ast::ActionBlock& b) {
  auto out = std::make_unique<ActionBlockCode>();
  out->loc = b.loc;
  out->type = b.type;
  if (b.condition) out->condition = expr(*b.condition);
  if (b.discriminant) out->discriminant = expr(*b.discriminant);
  for (const auto& a : b.actions) {
    ActionCode ac;
    ac.loc = a.loc;
    ac.label = a.label;
    if (b.type == ast::ActionBlock::Type::Choose && !a.label) {
      error(a.loc, "all actions inside a `choose` block need a label");
    }
    ac.callee = action_callee(*a.callee);
    ac.args = arguments(a.args);
    if (a.setting.size() > 1) error(a.loc, "Actions only return on value");
    if (!a.setting.empty()) ac.setting_slot = declare(a.setting[0]);
    out->actions.push_back(std::move(ac));
  }
  return out;
}

}  // namespace spime::krl::detail
