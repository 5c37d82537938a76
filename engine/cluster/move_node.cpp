#include "engine/cluster/move_node.h"

#include <utility>

#include <nlohmann/json.hpp>

namespace spime::cluster {

using api::Status;
using json = nlohmann::json;

MoveNode::MoveNode(std::string name, const std::string& url, const client::Options& options)
    : name_(std::move(name)) {
  client::Url parsed;
  std::string error;
  if (client::parse_url(url, &parsed, &error)) {
    client_ = std::make_unique<client::HttpClient>(parsed, options);
  } else {
    bad_url_ = "node " + name_ + " advertises a bad URL (" + error + ")";
  }
}

Status MoveNode::post(const std::string& target, const std::string& what, const std::string& body,
                      std::string* answer) {
  if (!client_) return Status::unavailable(bad_url_);
  // Not octet-stream: the reference-compatible body parser reads that as JSON.
  client::Response r =
      client_->request("POST", target, body, {{"Content-Type", "application/x-spime-slot"}});
  const std::string step = what + " on " + name_;
  if (!r.ok()) return Status::unavailable(step + ": " + r.error);
  if (r.status == 200) {
    *answer = std::move(r.body);
    return Status::ok();
  }
  const json j = json::parse(r.body, nullptr, false);
  const std::string why = j.is_object() && j.value("error", json()).is_string()
                              ? j["error"].get<std::string>()
                              : "HTTP " + std::to_string(r.status);
  return Status::from_http(static_cast<int>(r.status), step + ": " + why);
}

std::size_t answer_count(const std::string& answer, const char* key) {
  const json j = json::parse(answer, nullptr, false);
  if (!j.is_object() || !j.value(key, json()).is_number_unsigned()) return 0;
  return j[key].get<std::size_t>();
}

}  // namespace spime::cluster
