// The `schedule` module (reference: pico-engine-core/src/modules/schedule.ts):
// list and remove this pico's scheduled events. Scheduling itself is the
// KRL `schedule` statement (RuntimeHost::schedule_event).
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
using krl::Value;

namespace {

RuntimeHost& H(EvalContext& ctx, const char* what) {
  return RuntimeHost::from(ctx, what);
}

Value schedule_list(EvalContext& ctx, const BoundArgs&) {
  RuntimeHost& h = H(ctx, "schedule:list");
  Array out;
  schedule_records::for_pico(h.pico().store(), h.pico().id(), [&](const ScheduleRecord& r) {
    out.push_back(schedule_records::to_value(r));
  });
  return Value(std::move(out));
}

Value schedule_remove(EvalContext& ctx, const BoundArgs& a) {
  RuntimeHost& h = H(ctx, "schedule:remove");
  h.throw_if_read_only("schedule:remove");
  std::string id = krl::to_string(a[0]);
  ScheduleRecord rec;
  if (!schedule_records::load(h.pico().store(), id, &rec) || rec.pico_id != h.pico().id()) {
    throw KrlError("NotFound: " + id);
  }
  schedule_records::erase(&h.txn().batch, rec);
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
