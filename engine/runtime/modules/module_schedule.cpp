// The `schedule` module (reference: pico-engine-core/src/modules/schedule.ts):
// list, get, remove and clear the calling ruleset's scheduled events (its
// `_schedule` entity variable, timers/schedule_records.h). Scheduling itself
// is the KRL `schedule` statement (RuntimeHost::schedule_event).
#include <algorithm>

#include "engine/krl/error.h"
#include "engine/runtime/modules/runtime_modules.h"
#include "engine/runtime/pico/runtime_host.h"
#include "engine/runtime/timers/schedule_records.h"

namespace spime::runtime {

using krl::Array;
using krl::BoundArgs;
using krl::EvalContext;
using krl::KrlError;
using krl::Map;
using krl::Value;

namespace {

RuntimeHost& H(EvalContext& ctx, const char* what) {
  return RuntimeHost::from(ctx, what);
}

// This ruleset's scheduled events, oldest first (reference: Object.values of `_schedule`).
Value schedule_list(EvalContext& ctx, const BoundArgs&) {
  RuntimeHost& h = H(ctx, "schedule:list");
  Value all = h.get_ent(h.current_rid(), kScheduleVar);
  Array out;
  if (all.is_map()) {
    for (const auto& [id, entry] : all.as_map()) out.push_back(entry);
  }
  return Value(std::move(out));
}

Value schedule_get(EvalContext& ctx, const BoundArgs& a) {
  RuntimeHost& h = H(ctx, "schedule:get");
  Value all = h.get_ent(h.current_rid(), kScheduleVar);
  const Value* entry = all.is_map() ? all.as_map().find(krl::to_string(a[0])) : nullptr;
  return entry ? *entry : Value();
}

// The entry goes; its due key is dropped by the timer when it comes due.
Value schedule_remove(EvalContext& ctx, const BoundArgs& a) {
  RuntimeHost& h = H(ctx, "schedule:remove");
  h.throw_if_read_only("schedule:remove");
  Value all = h.get_ent(h.current_rid(), kScheduleVar);
  Map rest = all.is_map() ? all.as_map() : Map();
  rest.erase(krl::to_string(a[0]));
  h.put_ent(h.current_rid(), kScheduleVar, Value(std::move(rest)));
  return Value();
}

Value schedule_clear(EvalContext& ctx, const BoundArgs&) {
  RuntimeHost& h = H(ctx, "schedule:clear");
  h.throw_if_read_only("schedule:clear");
  h.del_ent(h.current_rid(), kScheduleVar);
  return Value();
}

}  // namespace

const krl::Module& schedule_module() {
  static const krl::Module m{"schedule",
                             {
                                 {"list", {}, schedule_list},
                                 {"get", {"id"}, schedule_get},
                                 {"remove", {"id"}, schedule_remove, krl::Function::Kind::Action},
                                 {"clear", {}, schedule_clear, krl::Function::Kind::Action},
                             }};
  return m;
}

}  // namespace spime::runtime
