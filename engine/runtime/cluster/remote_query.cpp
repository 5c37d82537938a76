#include "engine/runtime/cluster/remote_query.h"

#include <algorithm>

#include "engine/runtime/outbound/http_request.h"
#include "engine/runtime/pico/io_pool.h"

namespace spime::runtime {

using api::Status;

namespace {

// Path segments that need no encoding: ECIs, rids and function names.
bool plain_segment(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '~' || c == '-';
  });
}

}  // namespace

api::Result<krl::Value> query_other_engine(const std::string& host, const QueryCall& q) {
  if (!plain_segment(q.eci) || !plain_segment(q.rid) || !plain_segment(q.name)) {
    return Status::not_found("ECI not found " + q.eci);
  }
  const std::string what = "ctx:query to " + q.eci + " on another engine";
  if (!blocking_allowed()) {
    return Status::unavailable(what +
                               ": not run on a scheduler thread; this pico runs on the I/O pool "
                               "from now on, and the message runs again there");
  }
  HttpRequest req;
  req.method = "POST";
  std::string base = host;
  while (!base.empty() && base.back() == '/') base.pop_back();
  req.url = base + "/sky/cloud/" + q.eci + "/" + q.rid + "/" + q.name;
  req.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  req.has_body = true;
  req.body = krl::encode_json(krl::Value(q.args));
  HttpRequestOptions options;
  if (const IoPool* pool = IoPool::current()) {
    options.timeout = pool->options().http_timeout;
    options.max_response_bytes = pool->options().http_max_response_bytes;
  }
  options.follow_redirects = false;
  HttpResponse response;
  std::string error;
  if (!send_http_request(req, options, &response, &error)) {
    return Status::unavailable(what + ": " + error);
  }
  krl::Value answer;
  const bool parsed = krl::parse_json(response.body, &answer, &error);
  if (response.status == 200) {
    if (!parsed) return Status::rule_error(what + ": the answer is not JSON: " + error);
    return answer;
  }
  const krl::Value* message = parsed && answer.is_map() ? answer.as_map().find("error") : nullptr;
  std::string why =
      message && message->is_string() ? message->as_string() : what + ": " + status_line(response);
  // The reference's text of a plain JavaScript Error: the query's own error adds it again.
  if (why.rfind("Error: ", 0) == 0) why.erase(0, 7);
  return Status::from_http(static_cast<int>(response.status), std::move(why));
}

}  // namespace spime::runtime
