#include "devices/fleet_api.h"

namespace spime::devices {

namespace {

// ECIs, domains and names go into the path unescaped: refuse anything that
// would change the route instead of quoting it.
bool path_safe(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c == '/' || c == '?' || c == '#' || c == '%' || static_cast<unsigned char>(c) <= ' ')
      return false;
  }
  return true;
}

std::string shorten(const std::string& s) {
  return s.size() <= 200 ? s : s.substr(0, 200) + "...";
}

}  // namespace

std::string FleetApi::call(const std::string& method, const std::string& target,
                           const std::string& body, nlohmann::json* reply) {
  const client::Headers json_body = {{"Content-Type", "application/json"}};
  client::Response r =
      client_->request(method, target, body, method == "POST" ? json_body : client::Headers{});
  const std::string what = method + " " + target + ": ";
  if (!r.error.empty()) return what + r.error;
  if (r.status != 200) return what + std::to_string(r.status) + " " + shorten(r.body);
  nlohmann::json parsed = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return what + "answer is not JSON: " + shorten(r.body);
  if (reply) *reply = std::move(parsed);
  return {};
}

std::string FleetApi::event(const std::string& eci, const std::string& domain,
                            const std::string& type, const std::string& attrs_json,
                            nlohmann::json* reply) {
  if (!path_safe(eci) || !path_safe(domain) || !path_safe(type))
    return "refusing unsafe path segment in event " + eci + "/" + domain + "/" + type;
  return call("POST", "/sky/event/" + eci + "/none/" + domain + "/" + type, attrs_json, reply);
}

std::string FleetApi::query(const std::string& eci, const std::string& rid,
                            const std::string& function, nlohmann::json* reply) {
  if (!path_safe(eci) || !path_safe(rid) || !path_safe(function))
    return "refusing unsafe path segment in query " + eci + "/" + rid + "/" + function;
  return call("GET", "/sky/cloud/" + eci + "/" + rid + "/" + function, "", reply);
}

std::string FleetApi::query(const std::string& eci, const std::string& rid,
                            const std::string& function, const nlohmann::json& args,
                            nlohmann::json* reply) {
  if (!path_safe(eci) || !path_safe(rid) || !path_safe(function))
    return "refusing unsafe path segment in query " + eci + "/" + rid + "/" + function;
  return call("POST", "/sky/cloud/" + eci + "/" + rid + "/" + function, args.dump(), reply);
}

std::string FleetApi::children(const std::string& owner_eci,
                               std::map<std::string, std::string>* by_name) {
  nlohmann::json list;
  if (auto err = query(owner_eci, "io.picolabs.wrangler", "children", &list); !err.empty())
    return err;
  if (!list.is_array()) return "wrangler children: expected an array, got " + list.dump();
  by_name->clear();
  for (const auto& child : list) {
    if (!child.is_object()) continue;
    auto name = child.find("name");
    auto eci = child.find("eci");
    if (name == child.end() || eci == child.end() || !name->is_string() || !eci->is_string())
      continue;
    by_name->emplace(name->get<std::string>(), eci->get<std::string>());
  }
  return {};
}

}  // namespace spime::devices
