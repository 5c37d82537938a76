// The `schedule` module (reference: pico-engine-core/src/modules/schedule.ts):
// list and remove this pico's scheduled events. Scheduling itself is the
// KRL `schedule` statement (RuntimeHost::schedule_event).
#include <algorithm>

#include "engine/krl/error.h"
#include "engine/runtime/modules/runtime_modules.h"
#include "engine/runtime/pico/runtime_host.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"

namespace spime::runtime {

namespace keys = store::keys;
using krl::Array;
using krl::BoundArgs;
using krl::EvalContext;
using krl::KrlError;
using krl::Value;

namespace {

RuntimeHost& H(EvalContext& ctx, const char* what) {
  return RuntimeHost::from(ctx, what);
}

Value schedule_list(EvalContext& ctx, const BoundArgs&) {
  RuntimeHost& h = H(ctx, "schedule:list");
  Array out;
  h.pico().store().scan(keys::schedule_prefix(), [&](std::string_view, std::string_view v) {
    Value rec;
    std::string err;
    if (krl::parse_json(v, &rec, &err) && rec.is_map()) {
      const Value* p = rec.as_map().find("picoId");
      if (p && p->is_string() && p->as_string() == h.pico().id()) out.push_back(rec);
    }
    return true;
  });
  return Value(std::move(out));
}

Value schedule_remove(EvalContext& ctx, const BoundArgs& a) {
  RuntimeHost& h = H(ctx, "schedule:remove");
  h.throw_if_read_only("schedule:remove");
  std::string id = krl::to_string(a[0]);
  std::string raw;
  Value rec;
  std::string err;
  if (!h.pico().store().get(keys::schedule(id), &raw) || !krl::parse_json(raw, &rec, &err) ||
      !rec.is_map()) {
    throw KrlError("NotFound: " + id);
  }
  const Value* p = rec.as_map().find("picoId");
  if (!p || !p->is_string() || p->as_string() != h.pico().id()) throw KrlError("NotFound: " + id);
  h.txn().batch.erase(keys::schedule(id));
  const Value* t = rec.as_map().find("time");
  if (t && t->is_number()) {
    h.txn().batch.erase(
        keys::schedule_due(static_cast<std::uint64_t>(std::max(0.0, t->as_number())), id));
  }
  return Value(true);
}

}  // namespace

const krl::Module& schedule_module() {
  static const krl::Module m{"schedule",
                             {
                                 {"list", {}, schedule_list},
                                 {"remove", {"id"}, schedule_remove, krl::Function::Kind::Action},
                             }};
  return m;
}

}  // namespace spime::runtime
