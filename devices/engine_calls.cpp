#include "devices/engine_calls.h"

namespace spime::devices {

namespace {

constexpr std::size_t kMaxShown = 300;

std::string shortened(const std::string& s) {
  return s.size() <= kMaxShown ? s : s.substr(0, kMaxShown) + "...";
}

}  // namespace

std::string Reply::describe() const {
  if (status == 0) return what + ": " + error;
  return what + ": " + std::to_string(status) + " " + shortened(text);
}

bool path_segment_ok(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c == '/' || c == '?' || c == '#' || c == '%' || static_cast<unsigned char>(c) <= ' ' ||
        c == 0x7f)
      return false;
  }
  return true;
}

Reply EngineCalls::call(const std::string& method, const std::string& target,
                        const std::string& body) {
  Reply reply;
  reply.what = method + " " + target;
  client::Headers headers;
  if (method == "POST") headers.emplace_back("Content-Type", "application/json");
  client::Response r = client_->request(method, target, body, headers);
  if (!r.ok()) {
    reply.error = r.error;
    return reply;
  }
  reply.status = r.status;
  reply.text = std::move(r.body);
  reply.body = json::parse(reply.text, nullptr, /*allow_exceptions=*/false);
  return reply;
}

Reply EngineCalls::get(const std::string& target) {
  return call("GET", target, "");
}

Reply EngineCalls::post(const std::string& target, const std::string& body) {
  return call("POST", target, body);
}

Reply EngineCalls::event(const std::string& eci, const std::string& domain, const std::string& type,
                         const json& attrs, const std::string& eid) {
  if (!path_segment_ok(eci) || !path_segment_ok(domain) || !path_segment_ok(type) ||
      !path_segment_ok(eid)) {
    Reply refused;
    refused.what = "event " + domain + ":" + type;
    refused.error = "not sent: an ECI, eid, domain or type that does not fit in a path";
    return refused;
  }
  return call("POST", "/sky/event/" + eci + "/" + eid + "/" + domain + "/" + type, attrs.dump());
}

Reply EngineCalls::query(const std::string& eci, const std::string& rid,
                         const std::string& function, const json& args) {
  if (!path_segment_ok(eci) || !path_segment_ok(rid) || !path_segment_ok(function)) {
    Reply refused;
    refused.what = "query " + rid + "/" + function;
    refused.error = "not sent: an ECI, rid or function name that does not fit in a path";
    return refused;
  }
  return call("POST", "/sky/cloud/" + eci + "/" + rid + "/" + function, args.dump());
}

Reply EngineCalls::child_query(const std::string& parent_eci, const std::string& family_eci,
                               const std::string& rid, const std::string& function,
                               const json& args) {
  json params = {{"eci", family_eci}, {"mod", rid}, {"func", function}, {"params", args}};
  return query(parent_eci, "io.picolabs.wrangler", "picoQuery", params);
}

}  // namespace spime::devices
