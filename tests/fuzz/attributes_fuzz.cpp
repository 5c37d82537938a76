// Fuzz target: request attributes (channels/attributes.h) and JSON.
//
// Input: "<content-type>\n<query string>\n<body>". The query string and the
// body go through the same parsers as an HTTP request's (qs-style query,
// form, JSON by content type), are merged with a header list, and the
// result is encoded as JSON and parsed back (krl::parse_json must take what
// krl::encode_json writes). The whole input is also read as JSON alone.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "channels/attributes.h"
#include "engine/krl/limits.h"
#include "engine/krl/value.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace spime;
  const auto text = fuzz::as_text(data, size);
  const auto [content_type, rest] = fuzz::split_first(text, '\n');
  const auto [query, body] = fuzz::split_first(rest, '\n');

  krl::Value parsed;
  std::string error;
  (void)krl::parse_json(text, &parsed, &error, krl::kMaxJsonDepth);

  krl::Value query_value = channels::parse_query_string(query);
  (void)channels::parse_form(body);
  std::string decoded;
  (void)channels::decode_uri_component(query, &decoded);
  krl::Value body_value;
  channels::AttributeError attribute_error;
  if (!channels::parse_body(content_type, body, !body.empty(), &body_value, &attribute_error)) {
    body_value = krl::Value();
  }
  krl::Value headers = channels::headers_value(
      {{"Content-Type", std::string(content_type)}, {"X-Query", std::string(query)}});
  krl::Value merged = channels::merge_attributes(query_value, body_value, headers);

  // What we write as JSON we must read back.
  const std::string json = krl::encode_json(merged);
  krl::Value again;
  if (!krl::parse_json(json, &again, &error, 1000)) std::abort();
  if (krl::encode_json(again) != json) std::abort();
  return 0;
}
