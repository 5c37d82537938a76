// MoveNode: one engine of a move, as the mover (slot_mover.h, pico_mover.h)
// reaches it: by its advertised URL, over the engine's move steps
// (POST /api/cluster/slots/<slot>/<step>, /api/cluster/picos/<id>/<step>).
//
// post() answers the step's body on 200; otherwise the engine's
// {"error": ...} message, prefixed with the step and the node, as a Status
// whose code follows the HTTP status (api::Status::from_http; no answer:
// kUnavailable).
//
// Thread-safety: one call at a time (it holds one keep-alive client).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "channels/client/http_client.h"
#include "engine/api/status.h"

namespace spime::cluster {

class MoveNode {
 public:
  MoveNode(std::string name, const std::string& url, const client::Options& options);

  // `what` names the step in messages ("export", "import", ...).
  api::Status post(const std::string& target, const std::string& what, const std::string& body,
                   std::string* answer);

  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::string bad_url_;
  std::unique_ptr<client::HttpClient> client_;
};

// The unsigned number `key` of a step's JSON answer; 0 when absent.
std::size_t answer_count(const std::string& answer, const char* key);

}  // namespace spime::cluster
