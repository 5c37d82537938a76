// FleetApi: the few pico-engine HTTP calls the fleet tool makes, over one
// keep-alive client::HttpClient. Each returns an empty string on success or a
// one-line reason ("POST /sky/event/...: 404 {...}") on failure.
#ifndef SPIME_DEVICES_FLEET_API_H_
#define SPIME_DEVICES_FLEET_API_H_

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "channels/client/http_client.h"

namespace spime::devices {

class FleetApi {
 public:
  explicit FleetApi(client::HttpClient* client) : client_(client) {}

  // POST /sky/event/<eci>/none/<domain>/<type> with attrs; *reply gets the
  // parsed JSON answer ({"eid", "directives"}).
  std::string event(const std::string& eci, const std::string& domain, const std::string& type,
                    const std::string& attrs_json, nlohmann::json* reply);

  // GET /sky/cloud/<eci>/<rid>/<function>; *reply gets the parsed answer.
  std::string query(const std::string& eci, const std::string& rid, const std::string& function,
                    nlohmann::json* reply);
  // POST /sky/cloud/<eci>/<rid>/<function> with `args` (a JSON map) as the body.
  std::string query(const std::string& eci, const std::string& rid, const std::string& function,
                    const nlohmann::json& args, nlohmann::json* reply);

  // The owner's children by name (children whose name is not set yet are
  // left out).
  std::string children(const std::string& owner_eci, std::map<std::string, std::string>* by_name);

 private:
  std::string call(const std::string& method, const std::string& target, const std::string& body,
                   nlohmann::json* reply);
  client::HttpClient* client_;
};

}  // namespace spime::devices

#endif  // SPIME_DEVICES_FLEET_API_H_
