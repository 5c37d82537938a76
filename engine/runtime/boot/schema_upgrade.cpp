#include "engine/runtime/boot/schema_upgrade.h"

#include "engine/runtime/records/pico_records.h"
#include "engine/runtime/timers/schedule_records.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"

namespace spime::runtime {

bool upgrade_schema(store::Store& store, std::string* error) {
  if (store.opened_schema_version() >= store::Store::kSchemaVersion) return true;
  store::WriteBatch batch;
  if (!pico_records::upgrade(store, &batch, error)) return false;
  schedule_records::upgrade(store, &batch);
  batch.put(store::keys::schema_version(), std::to_string(store::Store::kSchemaVersion));
  return store.write(batch, error);
}

}  // namespace spime::runtime
