// The `meta` module (reference: pico-engine-core/src/modules/meta.ts).
#include "engine/krl/error.h"
#include "engine/runtime/modules/runtime_modules.h"
#include "engine/runtime/pico/runtime_host.h"

namespace spime::runtime {

using krl::BoundArgs;
using krl::EvalContext;
using krl::Map;
using krl::Value;

namespace {

const Installation* current_install(RuntimeHost& h) {
  return h.installation(h.current_rid());
}

Value eci(EvalContext& ctx, const BoundArgs&) {
  RuntimeHost& h = RuntimeHost::from(ctx, "meta:eci");
  if (auto* e = h.current_event()) return Value(e->eci);
  if (h.query()) return Value(h.query()->eci);
  return Value();
}
Value host(EvalContext& ctx, const BoundArgs&) {
  return Value(RuntimeHost::from(ctx, "meta:host").services().host_url());
}
Value in_event(EvalContext& ctx, const BoundArgs&) {
  return Value(ctx.host && ctx.host->current_event() != nullptr);
}
Value in_query(EvalContext& ctx, const BoundArgs&) {
  return Value(RuntimeHost::from(ctx, "meta:inQuery").query() != nullptr);
}
Value pico_id(EvalContext& ctx, const BoundArgs&) {
  return Value(RuntimeHost::from(ctx, "meta:picoId").pico().id());
}
Value rid(EvalContext& ctx, const BoundArgs&) {
  return Value(RuntimeHost::from(ctx, "meta:rid").current_rid());
}
Value rule_name(EvalContext& ctx, const BoundArgs&) {
  const std::string& r = RuntimeHost::from(ctx, "meta:ruleName").current_rule();
  return r.empty() ? Value() : Value(r);
}
Value rid_url(EvalContext& ctx, const BoundArgs&) {
  RuntimeHost& h = RuntimeHost::from(ctx, "meta:rulesetURI");
  const Installation* i = current_install(h);
  return i ? Value(i->record.url) : Value();
}
Value txn_id(EvalContext& ctx, const BoundArgs&) {
  RuntimeHost& h = RuntimeHost::from(ctx, "meta:txnId");
  if (auto* e = h.current_event()) return Value(e->eid);
  return Value();
}
Value ruleset_config(EvalContext& ctx, const BoundArgs&) {
  RuntimeHost& h = RuntimeHost::from(ctx, "meta:rulesetConfig");
  const Installation* i = current_install(h);
  return i ? Value(i->record.config) : Value();
}
// meta:engineConfig (ours; the reference has no such value): the engine's
// settings that rulesets may act on, read-only.
Value engine_config(EvalContext& ctx, const BoundArgs&) {
  EngineConfig c = RuntimeHost::from(ctx, "meta:engineConfig").services().engine_config();
  Map m;
  m.set("strictSubscriptionPolicies", c.strict_subscription_policies);
  return Value(std::move(m));
}
Value ruleset_name(EvalContext& ctx, const BoundArgs&) {
  RuntimeHost& h = RuntimeHost::from(ctx, "meta:rulesetName");
  const Installation* i = current_install(h);
  if (!i || !i->ruleset->program->meta().name) return Value();
  return Value(*i->ruleset->program->meta().name);
}

}  // namespace

const krl::Module& meta_module() {
  using K = krl::Function::Kind;
  static const krl::Module m{"meta",
                             {
                                 {"eci", {}, eci, K::Function, true},
                                 {"host", {}, host, K::Function, true},
                                 {"inEvent", {}, in_event, K::Function, true},
                                 {"inQuery", {}, in_query, K::Function, true},
                                 {"picoId", {}, pico_id, K::Function, true},
                                 {"rid", {}, rid, K::Function, true},
                                 {"ruleName", {}, rule_name, K::Function, true},
                                 {"rid_url", {}, rid_url, K::Function, true},
                                 {"rulesetURI", {}, rid_url, K::Function, true},
                                 {"rulesetName", {}, ruleset_name, K::Function, true},
                                 {"txnId", {}, txn_id, K::Function, true},
                                 {"rulesetConfig", {}, ruleset_config, K::Function, true},
                                 {"engineConfig", {}, engine_config, K::Function, true},
                             }};
  return m;
}

}  // namespace spime::runtime
