// Request attributes: query string, body and headers → one KRL Map.
//
// The reference server merges them as `_.assign({}, req.query, req.body,
// {_headers: req.headers})` (pico-engine/src/server.ts, mergeGetPost):
//  * the query string is parsed as Express 4 does (the `qs` library):
//    `a=1&a=2` → a: ["1","2"]; `a[b]=1` → a: {b:"1"}; `a[]=1` → a: ["1"];
//    `a[3]=x` → a: ["x"] (indices up to 20 make arrays, sparse ones are
//    compacted); at most 5 levels of brackets and 1000 parameters;
//  * a body is parsed by its Content-Type: `application/json`,
//    `application/octet-stream` and `application/ssi-agent-wire` as JSON,
//    `application/x-www-form-urlencoded` as a flat form (repeated keys make
//    arrays, no bracket nesting); any other type is ignored;
//  * body keys win over query keys (a key keeps its first position);
//  * `_headers` (lower-cased names, as Node's req.headers) always wins.
//
// Differences from the reference, on purpose: a JSON body must be an object
// (the reference also takes an array and merges its elements as "0", "1"...
// keys); JSON must be UTF-8 (no UTF-16 bodies, no gzip) and at most
// krl::kMaxJsonDepth deep.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/krl/value.h"

namespace spime::channels {

// Why a body was refused: the HTTP status and the {"error": ...} text.
struct AttributeError {
  int status = 400;
  std::string message;
};

// A query string without its leading '?', parsed as qs does. Always a Map.
krl::Value parse_query_string(std::string_view query);

// An x-www-form-urlencoded body, parsed as Node's querystring does (the
// reference's bodyParser.urlencoded({extended: false})). Always a Map.
krl::Value parse_form(std::string_view body);

// Parses `body` by `content_type` (the raw header value, possibly empty).
// `has_body`: the request announced a body (Content-Length or
// Transfer-Encoding). On success sets *out to a Map (possibly empty) or to
// null when the body is not one we read, and returns true. On failure sets
// *error (400 malformed JSON or not an object, 413 too many form parameters,
// 415 unsupported charset) and returns false.
bool parse_body(std::string_view content_type, std::string_view body, bool has_body,
                krl::Value* out, AttributeError* error);

// Request headers as Node's req.headers: names lower-cased; a repeated header
// is joined with ", " (set-cookie: an array; a few single-valued ones such as
// content-type and host keep the first). Bytes are read as Latin-1.
krl::Value headers_value(const std::vector<std::pair<std::string, std::string>>& fields);

// mergeGetPost: query (Map), then body (Map or null), then `_headers`.
krl::Value merge_attributes(const krl::Value& query, const krl::Value& body,
                            const krl::Value& headers);

// Percent-decoding as JavaScript's decodeURIComponent: false on a malformed
// escape or invalid UTF-8 (then *out is unspecified).
bool decode_uri_component(std::string_view in, std::string* out);

}  // namespace spime::channels
