// The table of the runtime's modules: add a module here to make it callable
// from KRL and known to the compile gate.
#include "engine/runtime/modules/runtime_modules.h"

namespace spime::runtime {

const std::vector<const krl::Module*>& runtime_modules() {
  static const std::vector<const krl::Module*> all{
      &event_module(), &meta_module(), &ctx_module(),        &schedule_module(),
      &http_module(),  &logs_module(), &prototypes_module(), &mqtt_module()};
  return all;
}

bool is_blocking_module(std::string_view name) {
  return name == "http";
}

}  // namespace spime::runtime
