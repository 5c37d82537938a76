// Fuzz target: prototype YAML (engine/runtime/prototypes/yaml_reader.h) from
// text, as `spime prototype check` and POST /api/prototypes/check read it.
// Reads only: the draft is not resolved against a catalog nor loaded.
#include <cstddef>
#include <cstdint>

#include "engine/runtime/prototypes/yaml_reader.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace spime::runtime;
  PrototypeDraft draft;
  PrototypeError error;
  (void)read_prototype_yaml("fuzz.yaml", "/nonexistent/fuzz", spime::fuzz::as_text(data, size),
                            &draft, &error);
  (void)error.to_string();
  return 0;
}
