// The `prototypes` module (ours; the reference has no prototypes): the
// engine's prototypes (prototypes/prototype_catalog.h) as KRL values
// (prototypes/prototype_value.h), for the wrangler to make a pico from one.
//   prototypes:get(name)  the resolved prototype; KrlError "unknown prototype
//                         NAME" when there is none
//   prototypes:names()    every prototype's name, sorted
// Read-only; offline (`krl run`) the catalog is empty.
#include "engine/krl/error.h"
#include "engine/runtime/modules/runtime_modules.h"
#include "engine/runtime/pico/runtime_host.h"
#include "engine/runtime/prototypes/prototype_catalog.h"

namespace spime::runtime {

using krl::BoundArgs;
using krl::EvalContext;
using krl::Value;

namespace {

const PrototypeCatalog& catalog(EvalContext& ctx, const char* what) {
  return RuntimeHost::from(ctx, what).services().prototypes();
}

Value get(EvalContext& ctx, const BoundArgs& a) {
  const PrototypeCatalog& c = catalog(ctx, "prototypes:get");
  const std::string name = krl::to_string(a[0]);
  std::optional<Value> v = a[0].is_string() ? c.value(name) : std::nullopt;
  if (!v) throw krl::KrlError("unknown prototype " + name);
  return std::move(*v);
}

Value names(EvalContext& ctx, const BoundArgs&) {
  krl::Array out;
  for (const std::string& n : catalog(ctx, "prototypes:names").names()) out.emplace_back(n);
  return Value(std::move(out));
}

}  // namespace

const krl::Module& prototypes_module() {
  static const krl::Module m{"prototypes",
                             {
                                 {"get", {"name"}, get},
                                 {"names", {}, names},
                             }};
  return m;
}

}  // namespace spime::runtime
