// read_readings: the engine's states for a scrape of /metrics (metrics.h),
// read from their owners at that moment: the pico table (active picos,
// inbox depths), the committer (its queue), the outbox (per destination)
// and the store (RocksDB's properties, store.h).
//
// Cost: one pass over the active picos under the table's lock (an atomic
// read each), the outbox's status under its lock, a few RocksDB properties
// answered from memory. No I/O. Any thread; `outbox` may be null.
#pragma once

#include "engine/runtime/metrics/metrics.h"

namespace spime::store {
class Store;
}

namespace spime::runtime {

class PicoTable;
class Outbox;

Readings read_readings(const PicoTable& picos, store::Store& store, const Outbox* outbox);

}  // namespace spime::runtime
