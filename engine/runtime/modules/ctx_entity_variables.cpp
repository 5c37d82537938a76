#include "engine/runtime/modules/ctx_entity_variables.h"

#include <cmath>

#include "engine/krl/error.h"
#include "engine/runtime/pico/runtime_host.h"
#include "engine/runtime/records/entity_listing.h"

namespace spime::runtime {

namespace {

constexpr const char* kUiRid = "io.picolabs.pico-engine-ui";

// A positive whole number of at most `max`, or `max` when absent or not one.
std::size_t limit_arg(const krl::Value& v, std::size_t max) {
  double n = 0;
  if (v.is_null() || !krl::to_number(v, &n) || !std::isfinite(n) || n < 1) return max;
  return n >= static_cast<double>(max) ? max : static_cast<std::size_t>(n);
}

}  // namespace

krl::Value ctx_entity_variables(krl::EvalContext& ctx, const krl::BoundArgs& args) {
  RuntimeHost& h = RuntimeHost::from(ctx, "ctx:entityVariables");
  if (h.current_rid() != kUiRid) {
    throw krl::KrlError(std::string("ctx:entityVariables is for ") + kUiRid + " only");
  }
  using entity_records::Limits;
  Limits limits;
  limits.max_variables = limit_arg(args[0], Limits::kMaxVariables);
  limits.max_value_bytes = limit_arg(args[1], Limits::kMaxValueBytes);

  PicoState& pico = h.pico();
  entity_records::Overlay overlay;
  overlay.held.reserve(pico.held_ents().size());
  for (const auto& [name, ent] : pico.held_ents()) overlay.held.emplace_back(name, &ent);
  overlay.store_stale = [&](std::string_view rid) { return pico.ents_stale_in_store(rid); };
  entity_records::Listing listing =
      entity_records::list_variables(pico.store(), pico.id(), limits, overlay);

  krl::Array rulesets;
  krl::Array variables;
  std::string rid;
  auto close_ruleset = [&] {
    if (variables.empty()) return;
    rulesets.emplace_back(
        krl::Map{{"rid", krl::Value(rid)}, {"variables", krl::Value(std::move(variables))}});
    variables = krl::Array();
  };
  for (entity_records::Listed& l : listing.variables) {
    if (l.rid != rid) {
      close_ruleset();
      rid = l.rid;
    }
    krl::Map v{{"name", krl::Value(std::move(l.name))}};
    if (l.cut) {
      v.set("truncated", krl::Value(true));
      v.set("json", krl::Value(std::move(l.json)));
      if (l.bytes) v.set("bytes", krl::Value(static_cast<double>(*l.bytes)));
    } else {
      v.set("value", std::move(l.value));
    }
    variables.emplace_back(std::move(v));
  }
  close_ruleset();
  return krl::Value(
      krl::Map{{"rulesets", krl::Value(std::move(rulesets))},
               {"more", krl::Value(listing.more)},
               {"maxVariables", krl::Value(static_cast<double>(limits.max_variables))},
               {"maxValueBytes", krl::Value(static_cast<double>(limits.max_value_bytes))}});
}

}  // namespace spime::runtime
