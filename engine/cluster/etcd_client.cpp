// The gateway speaks proto3's JSON mapping: 64-bit numbers are strings,
// bytes are base64, and a field at its default value (0, false, empty) is
// left out of an answer, so every read here has a default.
#include "engine/cluster/etcd_client.h"

#include <exception>
#include <nlohmann/json.hpp>

#include "engine/cluster/etcd_json.h"

namespace spime::cluster {

using api::Status;
using nlohmann::json;

std::string prefix_end(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    const auto last = static_cast<unsigned char>(end.back());
    if (last < 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');
}

namespace {

const char* target_name(Compare::Target t) {
  switch (t) {
    case Compare::Target::kVersion:
      return "VERSION";
    case Compare::Target::kCreateRevision:
      return "CREATE";
    case Compare::Target::kModRevision:
      return "MOD";
    case Compare::Target::kValue:
      return "VALUE";
  }
  return "MOD";
}

const char* result_name(Compare::Result r) {
  switch (r) {
    case Compare::Result::kEqual:
      return "EQUAL";
    case Compare::Result::kNotEqual:
      return "NOT_EQUAL";
    case Compare::Result::kLess:
      return "LESS";
    case Compare::Result::kGreater:
      return "GREATER";
  }
  return "EQUAL";
}

json compare_json(const Compare& c) {
  json j{{"key", etcd_json::bytes(c.key)},
         {"target", target_name(c.target)},
         {"result", result_name(c.result)}};
  switch (c.target) {
    case Compare::Target::kVersion:
      j["version"] = std::to_string(c.number);
      break;
    case Compare::Target::kCreateRevision:
      j["create_revision"] = std::to_string(c.number);
      break;
    case Compare::Target::kModRevision:
      j["mod_revision"] = std::to_string(c.number);
      break;
    case Compare::Target::kValue:
      j["value"] = etcd_json::bytes(c.value);
      break;
  }
  return j;
}

json op_json(const TxnOp& op) {
  if (op.kind == TxnOp::Kind::kPut) {
    json put{{"key", etcd_json::bytes(op.key)}, {"value", etcd_json::bytes(op.value)}};
    if (op.lease != 0) put["lease"] = std::to_string(op.lease);
    return json{{"request_put", std::move(put)}};
  }
  json del{{"key", etcd_json::bytes(op.key)}};
  if (!op.range_end.empty()) del["range_end"] = etcd_json::bytes(op.range_end);
  return json{{"request_delete_range", std::move(del)}};
}

}  // namespace

struct EtcdClient::Impl {
  std::vector<client::Url> endpoints;
  client::Options options;
  std::vector<std::unique_ptr<client::HttpClient>> clients;  // one per endpoint, made on use
  std::size_t current = 0;

  client::HttpClient& client_for(std::size_t i) {
    if (!clients[i]) clients[i] = std::make_unique<client::HttpClient>(endpoints[i], options);
    return *clients[i];
  }

  // POSTs `body` to `path` on the current member, then on each other one
  // while a member cannot answer. *answer is the parsed JSON of a 200. A
  // request that was sent and got no answer goes to another member only when
  // `idempotent` (it may have been applied).
  Status call(const char* path, const json& body, json* answer, bool idempotent) {
    const std::string text = body.dump();
    std::string last_error = "no etcd endpoint";
    for (std::size_t tried = 0; tried < endpoints.size(); ++tried) {
      const std::size_t i = (current + tried) % endpoints.size();
      const std::string where = endpoints[i].to_string();
      if (std::string why = client_for(i).connect(); !why.empty()) {
        last_error = "etcd at " + where + ": " + why;
        continue;
      }
      client::Response r =
          client_for(i).request("POST", path, text, {{"Content-Type", "application/json"}});
      if (!r.ok()) {
        last_error = "etcd at " + where + ": " + r.error;
        client_for(i).close();
        if (!idempotent) {
          return Status::unavailable(last_error +
                                     " (the request was sent: it may have been applied)");
        }
        continue;
      }
      json parsed = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
      if (r.status == 200) {
        if (parsed.is_discarded() || !parsed.is_object()) {
          return Status::internal("etcd at " + where + " answered " + path +
                                  " with JSON that does not parse");
        }
        current = i;
        *answer = std::move(parsed);
        return Status::ok();
      }
      const std::string message =
          parsed.is_object() && parsed.contains("message") && parsed["message"].is_string()
              ? parsed["message"].get<std::string>()
              : r.body.substr(0, 200);
      const int code = parsed.is_object() ? etcd_json::number_or(parsed, "code", 0) : 0;
      // gRPC's UNAVAILABLE (14) and DEADLINE_EXCEEDED (4), and the gateway's
      // own deadline (500, "context deadline exceeded"): no leader, or a
      // member cut off from the others. Another member may do.
      const bool gateway_deadline =
          r.status == 500 && message.find("context deadline exceeded") != std::string::npos;
      if (r.status == 503 || r.status == 504 || code == 14 || code == 4 || gateway_deadline) {
        last_error = "etcd at " + where + ": " + message;
        continue;
      }
      current = i;
      if (code == 5 || r.status == 404) return Status::not_found("etcd: " + message);
      if (r.status == 400) return Status::invalid_argument("etcd: " + message);
      return Status::internal("etcd at " + where + " answered " + std::to_string(r.status) + ": " +
                              message);
    }
    return Status::unavailable(last_error);
  }
};

EtcdClient::EtcdClient(std::vector<client::Url> endpoints, client::Options options)
    : impl_(std::make_unique<Impl>()) {
  impl_->endpoints = std::move(endpoints);
  impl_->options = std::move(options);
  impl_->clients.resize(impl_->endpoints.size());
}

EtcdClient::~EtcdClient() = default;

bool EtcdClient::parse_endpoints(const std::string& text, std::vector<client::Url>* out,
                                 std::string* error) {
  out->clear();
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::string one =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    client::Url url;
    std::string why;
    if (one.empty() || !client::parse_url(one, &url, &why)) {
      *error = "etcd endpoint '" + one + "': " + (one.empty() ? "empty" : why);
      return false;
    }
    out->push_back(std::move(url));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return !out->empty();
}

Status EtcdClient::put(const std::string& key, const std::string& value, std::int64_t lease,
                       std::int64_t* revision) {
  json body{{"key", etcd_json::bytes(key)}, {"value", etcd_json::bytes(value)}};
  if (lease != 0) body["lease"] = std::to_string(lease);
  json answer;
  Status s = impl_->call("/v3/kv/put", body, &answer, true);
  if (s.is_ok() && revision) *revision = etcd_json::header_revision(answer);
  return s;
}

Status EtcdClient::get(const std::string& key, std::optional<KeyValue>* out,
                       std::int64_t* revision) {
  std::vector<KeyValue> kvs;
  Status s = range(key, {}, &kvs, revision);
  out->reset();
  if (s.is_ok() && !kvs.empty()) *out = std::move(kvs.front());
  return s;
}

Status EtcdClient::range(const std::string& key, const std::string& range_end,
                         std::vector<KeyValue>* out, std::int64_t* revision) {
  json body{{"key", etcd_json::bytes(key)}};
  if (!range_end.empty()) body["range_end"] = etcd_json::bytes(range_end);
  json answer;
  Status s = impl_->call("/v3/kv/range", body, &answer, true);
  out->clear();
  if (!s.is_ok()) return s;
  if (!etcd_json::read_kvs(answer, "kvs", out)) {
    return Status::internal("etcd: a range answer whose kvs do not parse");
  }
  if (revision) *revision = etcd_json::header_revision(answer);
  return s;
}

Status EtcdClient::erase(const std::string& key, const std::string& range_end,
                         std::int64_t* deleted, std::int64_t* revision) {
  json body{{"key", etcd_json::bytes(key)}};
  if (!range_end.empty()) body["range_end"] = etcd_json::bytes(range_end);
  json answer;
  Status s = impl_->call("/v3/kv/deleterange", body, &answer, true);
  if (!s.is_ok()) return s;
  if (deleted) *deleted = etcd_json::number_or(answer, "deleted", 0);
  if (revision) *revision = etcd_json::header_revision(answer);
  return s;
}

Status EtcdClient::txn(const Txn& txn, bool* succeeded, std::int64_t* revision) {
  json body{{"compare", json::array()}, {"success", json::array()}, {"failure", json::array()}};
  for (const Compare& c : txn.compare) body["compare"].push_back(compare_json(c));
  for (const TxnOp& op : txn.success) body["success"].push_back(op_json(op));
  for (const TxnOp& op : txn.failure) body["failure"].push_back(op_json(op));
  json answer;
  Status s = impl_->call("/v3/kv/txn", body, &answer, false);
  if (!s.is_ok()) return s;
  const auto it = answer.find("succeeded");
  *succeeded = it != answer.end() && it->is_boolean() && it->get<bool>();
  if (revision) *revision = etcd_json::header_revision(answer);
  return s;
}

Status EtcdClient::lease_grant(std::int64_t ttl_seconds, std::int64_t* id,
                               std::int64_t* granted_ttl) {
  json answer;
  Status s =
      impl_->call("/v3/lease/grant", json{{"TTL", std::to_string(ttl_seconds)}}, &answer, false);
  if (!s.is_ok()) return s;
  if (answer.contains("error") && answer["error"].is_string() &&
      !answer["error"].get<std::string>().empty()) {
    return Status::internal("etcd: lease grant: " + answer["error"].get<std::string>());
  }
  *id = etcd_json::number_or(answer, "ID", 0);
  if (*id == 0) return Status::internal("etcd: a lease grant answer without an ID");
  if (granted_ttl) *granted_ttl = etcd_json::number_or(answer, "TTL", 0);
  return s;
}

Status EtcdClient::lease_keepalive(std::int64_t id, std::int64_t* ttl) {
  json answer;
  Status s = impl_->call("/v3/lease/keepalive", json{{"ID", std::to_string(id)}}, &answer, true);
  if (!s.is_ok()) return s;
  // The gateway answers a stream of one message: {"result": {...}}.
  const json* result = &answer;
  if (answer.contains("result") && answer["result"].is_object()) result = &answer["result"];
  const std::int64_t left = etcd_json::number_or(*result, "TTL", 0);
  if (left <= 0) return Status::not_found("etcd: lease " + std::to_string(id) + " has expired");
  if (ttl) *ttl = left;
  return s;
}

Status EtcdClient::lease_revoke(std::int64_t id) {
  json answer;
  Status s = impl_->call("/v3/lease/revoke", json{{"ID", std::to_string(id)}}, &answer, true);
  if (s.code() == Status::Code::kNotFound) return Status::ok();
  return s;
}

bool EtcdClient::some_member_without_leader() {
  for (std::size_t i = 0; i < impl_->endpoints.size(); ++i) {
    client::HttpClient& c = impl_->client_for(i);
    if (!c.connect().empty()) continue;
    const client::Response r =
        c.request("POST", "/v3/maintenance/status", "{}", {{"Content-Type", "application/json"}});
    if (!r.ok()) {
      c.close();
      continue;
    }
    const json answer = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    if (r.status == 200 && answer.is_object() && etcd_json::number_or(answer, "leader", 0) == 0) {
      return true;
    }
  }
  return false;
}

std::size_t EtcdClient::current_endpoint() const {
  return impl_->current;
}

}  // namespace spime::cluster
