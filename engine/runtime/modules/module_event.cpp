// The `event` module (reference: pico-engine-core/src/modules/event.ts).
// `type` is not in the 1.x reference: it is kept as an alias of `name`
// because shipped rulesets (0.x style) read event:type.
#include "engine/krl/error.h"
#include "engine/runtime/modules/runtime_modules.h"
#include "engine/runtime/pico/runtime_host.h"

namespace spime::runtime {

using krl::BoundArgs;
using krl::EvalContext;
using krl::Value;

namespace {

const krl::CurrentEvent* current(EvalContext& ctx) {
  return ctx.host ? ctx.host->current_event() : nullptr;
}

Value eci(EvalContext& ctx, const BoundArgs&) {
  auto* e = current(ctx);
  return e ? Value(e->eci) : Value();
}
Value domain(EvalContext& ctx, const BoundArgs&) {
  auto* e = current(ctx);
  return e ? Value(e->domain) : Value();
}
Value name(EvalContext& ctx, const BoundArgs&) {
  auto* e = current(ctx);
  return e ? Value(e->type) : Value();
}
Value attrs(EvalContext& ctx, const BoundArgs&) {
  auto* e = current(ctx);
  return e ? e->attrs : Value();
}
Value attr(EvalContext& ctx, const BoundArgs& a) {
  auto* e = current(ctx);
  if (!e || !e->attrs.is_map()) return Value();
  const Value* v = e->attrs.as_map().find(krl::to_string(a[0]));
  return v ? *v : Value();
}
Value eid(EvalContext& ctx, const BoundArgs&) {
  auto* e = current(ctx);
  return e ? Value(e->eid) : Value();
}
Value time(EvalContext& ctx, const BoundArgs&) {
  auto* e = current(ctx);
  return e ? Value(static_cast<double>(e->time_ms)) : Value();
}

// event:send({"eci", "domain", "name"|"type", "attrs"}, host): delivered by
// the caller after the schedule commits.
Value send(EvalContext& ctx, const BoundArgs& a) {
  RuntimeHost& host = RuntimeHost::from(ctx, "event:send");
  host.throw_if_read_only("event:send");
  const Value& options = a[0];
  if (!options.is_map()) throw krl::type_error("event:send expects a map of options");
  const krl::Map& o = options.as_map();
  auto get = [&](const char* k) {
    const Value* v = o.find(k);
    return v ? *v : Value();
  };
  Value eci_v = get("eci");
  Value host_v = a.has(1) ? a[1] : Value();
  if (eci_v.is_null()) {
    // A subscription: its Tx channel, on its Tx_host when it has one.
    const Value sub = get("sub");
    if (sub.is_map()) {
      if (const Value* tx = sub.as_map().find("Tx")) eci_v = *tx;
      if (const Value* tx_host = sub.as_map().find("Tx_host")) host_v = *tx_host;
    }
  }
  if (!eci_v.is_string()) {
    throw krl::type_error("eci was " + krl::to_string(eci_v) + " instead of a string");
  }
  Value name_v = get("name");
  if (!krl::truthy(name_v)) name_v = get("type");
  OutgoingEvent out;
  out.eci = eci_v.as_string();
  out.domain = krl::to_string(get("domain"));
  out.name = krl::to_string(name_v);
  out.attrs = krl::json_clean(get("attrs"));  // as the reference's cleanEvent
  if (krl::truthy(host_v)) out.host = krl::to_string(host_v);
  out.from_pico_id = host.pico().id();
  host.txn().outgoing.push_back(std::move(out));
  return Value();
}

}  // namespace

const krl::Module& event_module() {
  using K = krl::Function::Kind;
  static const krl::Module m{"event",
                             {
                                 {"eci", {}, eci, K::Function, true},
                                 {"domain", {}, domain, K::Function, true},
                                 {"name", {}, name, K::Function, true},
                                 {"attrs", {}, attrs, K::Function, true},
                                 {"attr", {"name"}, attr},
                                 {"eid", {}, eid, K::Function, true},
                                 {"time", {}, time, K::Function, true},
                                 {"send", {"options", "host"}, send, K::Action},
                             }};
  return m;
}

}  // namespace spime::runtime
