// Channel attribute schemas: a JSON Schema the attributes of an event must
// satisfy before the event is admitted through a channel.
//
// What: compile() turns a JSON Schema (draft 7, as valijson implements it),
// given as a krl::Value, into an immutable AttrsSchema; validate() checks an
// event's attributes against it, walking the krl::Value in place (a valijson
// adapter over krl::Value, krl_value_adapter.h: no conversion to another JSON
// tree; valijson itself copies only property names for its bookkeeping and
// the strings a minLength / maxLength measures), and names the first
// offending attribute by its JSON Pointer (RFC 6901).
//
// What a schema may use: every draft-7 keyword valijson knows, with these
// deliberate limits (each refused by compile() with a message):
//  * "$ref" only to "#", "#/definitions/<name>" or "#/$defs/<name>" of the
//    same schema (no remote fetching, no "$id" scopes); a schema may recurse
//    through the parts of a value (properties, items), but not apply itself
//    to the same value (a cycle through $ref, allOf, anyOf, oneOf, not,
//    if/then/else), and such in-place chains are at most kMaxSchemaDepth long;
//  * "pattern" is an ECMAScript regular expression run by KRL's own engine
//    (Boost.Regex, bounded), not std::regex; "patternProperties" is refused
//    (valijson would run std::regex on attribute names); "uniqueItems" needs a
//    "maxItems" of at most 1000 beside it (it compares every pair);
//  * "format" and "id"/"$id" are annotations only (not checked);
//  * a non-standard "errorMessage" (a string, as ajv-errors) replaces the
//    message when that subschema is the one reported;
//  * at most kMaxSchemaNodes values, kMaxSchemaDepth levels and
//    kMaxSchemaStringBytes bytes of strings.
//
// Validation is bounded too: attributes nested deeper than kMaxAttrsDepth are
// refused outright (before any recursion on them); the steps, the stack used
// by valijson's recursion (1 MiB) and the errors collected for the message are
// capped: past a cap the attributes are refused as "too complex to check",
// never a hang or a crash. A valid ESProto heartbeat costs about 7-20 us.
//
// On error: compile() returns nullptr and sets *error ("attrsSchema: ...");
// validate() returns a Failure, never throws.
//
// Thread-safety: an AttrsSchema is immutable; validate() is const and may run
// on many threads at once.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "engine/krl/value.h"

namespace spime::runtime {

class AttrsSchema {
 public:
  static constexpr std::size_t kMaxSchemaNodes = 10'000;
  static constexpr int kMaxSchemaDepth = 64;
  static constexpr std::size_t kMaxSchemaStringBytes = 256 * 1024;
  static constexpr int kMaxAttrsDepth = 128;

  // Compiles `schema` (a Map, or true / false). nullptr + *error when it is
  // not a schema we accept.
  static std::shared_ptr<const AttrsSchema> compile(const krl::Value& schema, std::string* error);
  // As compile(), but one AttrsSchema per distinct schema (by its JSON text)
  // for the whole process while anyone holds it: every device's transducer
  // channel carries the same schema, and its tree and compiled form are
  // most of a channel's memory. Its source() is the value to keep with the
  // channel. Thread-safe (one mutex; the map holds its entries weakly and
  // sweeps expired ones whenever it has doubled).
  static std::shared_ptr<const AttrsSchema> compile_shared(const krl::Value& schema,
                                                           std::string* error);

  // The schema as given (stored with the channel, shown in `channels`).
  const krl::Value& source() const { return source_; }

  struct Failure {
    // e.g. "attribute /genericThing/data/temperature/0/temperatureF: expected
    // a number or a numeric string"; "attributes: ..." for the root.
    std::string message;
    // JSON Pointer of the offending attribute ("" for the root); for a
    // missing or a disallowed property, the pointer of that property.
    std::string path;
  };

  // nullopt when `attrs` conforms.
  std::optional<Failure> validate(const krl::Value& attrs) const;

  ~AttrsSchema();
  AttrsSchema(const AttrsSchema&) = delete;
  AttrsSchema& operator=(const AttrsSchema&) = delete;

 private:
  struct Impl;  // valijson's compiled schema and the schema as valijson was given it

  AttrsSchema(krl::Value source, std::unique_ptr<const Impl> impl);

  krl::Value source_;
  std::unique_ptr<const Impl> impl_;
};

}  // namespace spime::runtime
