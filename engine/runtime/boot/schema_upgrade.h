// Upgrading a data directory written by an older spime, at open.
//
// The store refuses a newer schema and reports an older one
// (Store::opened_schema_version); each record owner brings its own records
// up to date, all in ONE batch that also records the current version, so an
// upgrade is all or nothing (a crash in the middle leaves the old version,
// upgraded again at the next open). 1 -> 2: children become their own keys
// (pico_records.h), scheduled events move into `_schedule` entity variables
// (timers/schedule_records.h). 2 -> 3: every pico record is written
// again, which puts its entry in its slot (z/, pico_records.h).
//
// Call once, before anything else reads the store.
#pragma once

#include <string>

namespace spime::store {
class Store;
}

namespace spime::runtime {

// False + *error when a record cannot be upgraded or the write fails.
bool upgrade_schema(store::Store& store, std::string* error);

}  // namespace spime::runtime
