// EngineCalls: the engine's HTTP API as the simulator's set-up and end check
// use it, over one keep-alive client::HttpClient (bounded by its timeout).
// Every call answers a Reply: the status (0: no answer at all), the parsed
// JSON body, and a one-line description for messages. Nothing throws.
//
// Thread-safety: one EngineCalls per thread (it uses its client alone).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "channels/client/http_client.h"

namespace spime::devices {

using json = nlohmann::json;

struct Reply {
  int status = 0;     // 0: no answer (refused, reset, timed out)
  std::string error;  // why status is 0, or why the call was not made
  std::string text;   // the body as received
  json body;          // the parsed body; discarded when it is not JSON
  std::string what;   // "POST /sky/event/...", for messages

  bool answered() const { return status != 0; }
  // A 200 with a JSON body.
  bool ok() const { return status == 200 && !body.is_discarded(); }
  // "POST /sky/...: 404 {...}" or "POST /sky/...: connection refused".
  std::string describe() const;
};

// True when `s` can go into a path as one segment without quoting (ECIs,
// rids, names): not empty, no '/', '?', '#', '%', space or control byte.
bool path_segment_ok(const std::string& s);

class EngineCalls {
 public:
  explicit EngineCalls(client::HttpClient* client) : client_(client) {}

  Reply get(const std::string& target);
  Reply post(const std::string& target, const std::string& body);
  // POST /sky/event/<eci>/<eid>/<domain>/<type> with `attrs` as the JSON body.
  Reply event(const std::string& eci, const std::string& domain, const std::string& type,
              const json& attrs, const std::string& eid = "sim");
  // POST /sky/cloud/<eci>/<rid>/<function> with `args` as the JSON body.
  Reply query(const std::string& eci, const std::string& rid, const std::string& function,
              const json& args = json::object());
  // A query of a child pico through its parent: wrangler:picoQuery on the
  // parent's channel `parent_eci`, with the child's family ECI.
  Reply child_query(const std::string& parent_eci, const std::string& family_eci,
                    const std::string& rid, const std::string& function,
                    const json& args = json::object());

 private:
  Reply call(const std::string& method, const std::string& target, const std::string& body);
  client::HttpClient* client_;
};

}  // namespace spime::devices
