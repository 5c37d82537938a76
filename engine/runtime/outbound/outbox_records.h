// Outbox records: the one owner of how an event waiting for another engine
// is kept in the store (the key family o/ is in engine/store/keys.h).
//
//   key    o/<host><sep><eci><sep><seq>   (keys::outbox)
//   value  {"domain": <text>, "name": <text>, "created": <ms since the epoch>,
//           "body": <the POST body: the attrs as KRL-encoded JSON, as text>}
//
// The body is kept as the exact bytes that will be POSTed, so a restart
// sends what the sending schedule encoded, byte for byte. The seq is also the
// event's id towards the receiver (X-Spime-Event-Id, with this engine's id
// as X-Spime-Sender): the same on every try, and never given to two events
// by one engine, restarts included, because seqs are handed out only below a
// reservation made durable first:
//
//   m/engine_id            the engine's id (runtime/records/ids.h), made once
//   m/counter/outbox_seq   decimal: every seq handed out so far is below it A scan of the
// family visits destination (host + eci) after destination, each in sending
// order (seq), which is the delivery order.
//
// Thread-safety: free functions; the store is thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "engine/store/write_batch.h"

namespace spime::store {
class Store;
}

namespace spime::runtime {

// One event for a pico of another engine.
struct OutboxRecord {
  std::string host;  // "http(s)://host[:port][/base]", trailing '/' trimmed
  std::string eci;   // the channel on that engine
  std::uint64_t seq = 0;
  std::string domain, name;
  std::int64_t created_ms = 0;
  std::string body;  // the POST body (JSON object)
};

namespace outbox_records {

// The host as keys and URLs use it: trailing '/' trimmed.
std::string normalize_host(std::string host);

// Why (host, eci) cannot be a record's destination ("" when it can): the key
// fields must be non-empty and free of control bytes (which no http(s) URL or
// ECI has anyway).
std::string invalid_destination(const std::string& host, const std::string& eci);

std::string key(const OutboxRecord& r);
std::string encode_record(const OutboxRecord& r);
// Fills r's value fields from a stored value; false (r unspecified) when it is
// not a value encode_record wrote.
bool decode_record(const std::string& value, OutboxRecord* r);

void put(store::WriteBatch* b, const OutboxRecord& r);
void erase(store::WriteBatch* b, const OutboxRecord& r);

// This engine's id, made (and written durably) at the first call on a
// store. "" + *error when it can be neither read nor written.
std::string engine_id(store::Store& s, std::string* error);

// The reservation: 0 when none was ever made (or it does not parse).
std::uint64_t reserved_seq(const store::Store& s);
// Makes `below` the reservation, durably (a synchronous write). False + *error.
bool reserve_seq(store::Store& s, std::uint64_t below, std::string* error);

// Every stored record in key order (destination, then seq). Keys or values
// that do not parse are reported through `bad` (key) and skipped.
void scan(const store::Store& s, const std::function<void(OutboxRecord&&)>& visit,
          const std::function<void(const std::string& key)>& bad);

}  // namespace outbox_records
}  // namespace spime::runtime
