#include "engine/runtime/outbound/remote_events.h"

#include <cctype>
#include <exception>

#include "engine/runtime/outbound/http_client.h"
#include "engine/runtime/outbound/http_request.h"
#include "engine/runtime/records/delivery_records.h"

namespace spime::runtime {

namespace {

using http_client::Url;

// One path segment, percent-encoded.
std::string percent_encode(const std::string& segment) {
  std::string out;
  out.reserve(segment.size());
  http_client::percent_encode(segment, &out);
  return out;
}

// Splits the event's URL. The event path is percent-encoded, so a '?' or
// '#' can only come from the host, which must not have them.
bool parse_target(const std::string& url, Url* t, std::string* error) {
  size_t sep = url.find("://");
  if (sep == std::string::npos) {
    *error = "host is not an http:// or https:// url";
    return false;
  }
  std::string scheme = url.substr(0, sep);
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "http" && scheme != "https") {
    *error = "unsupported url scheme " + scheme + " (host must be http:// or https://)";
    return false;
  }
  if (url.find_first_of("?#") != std::string::npos) {
    *error = "host must not have a query or fragment";
    return false;
  }
  return http_client::parse_url(url, t, error);
}

}  // namespace

std::string remote_event_url(const RemoteEvent& e) {
  std::string host = e.host;
  while (!host.empty() && host.back() == '/') host.pop_back();
  return host + "/c/" + percent_encode(e.eci) + "/event/" + percent_encode(e.domain) + "/" +
         percent_encode(e.name);
}

PostOutcome::Kind classify_status(unsigned status) {
  if (status >= 200 && status < 300) return PostOutcome::Kind::kAccepted;
  if (status == 408 || status == 429 || (status >= 500 && status < 600)) {
    return PostOutcome::Kind::kRetry;
  }
  return PostOutcome::Kind::kRefused;
}

std::string remote_host_error(const std::string& host) {
  Url t;
  std::string error;
  if (parse_target(remote_event_url(RemoteEvent{host, "e", "d", "n", ""}), &t, &error)) return "";
  return error;
}

PostOutcome post_remote_event(const RemoteEvent& e, std::chrono::milliseconds timeout,
                              const std::atomic<bool>* abort) {
  http_client::AbortScope scope(abort);
  PostOutcome out;
  HttpRequest request;
  request.method = "POST";
  request.url = remote_event_url(e);
  Url t;
  if (!parse_target(request.url, &t, &out.error)) {
    out.kind = PostOutcome::Kind::kRefused;
    return out;
  }
  request.headers = {{"User-Agent", "spime"},
                     {"Content-Type", "application/json"},
                     // A spime receiver answers only once the event is
                     // processed and durable (channels/routes.cpp).
                     {"X-Spime-Ack", "processed"}};
  // Who sends and which event, the same on every try: a spime receiver runs
  // it once (runtime/records/delivery_records.h).
  if (!e.sender.empty() && e.event_id != 0) {
    request.headers.emplace_back(delivery_records::kSenderHeader, e.sender);
    request.headers.emplace_back(delivery_records::kEventIdHeader, std::to_string(e.event_id));
  }
  request.has_body = true;
  request.body = e.attrs_json;
  HttpRequestOptions options;
  options.timeout = timeout;
  options.max_response_bytes = kMaxResponseBytes;
  options.drop_large_body = true;  // only the status matters
  options.follow_redirects = false;
  HttpResponse response;
  try {
    if (send_http_request(request, options, &response, &out.error)) out.status = response.status;
  } catch (const std::exception& ex) {  // e.g. an SSL context that cannot be made
    out.error = ex.what();
  }
  out.kind = out.status == 0 ? PostOutcome::Kind::kRetry : classify_status(out.status);
  if (out.kind == PostOutcome::Kind::kAccepted) {
    out.error.clear();
  } else if (out.status != 0) {
    out.error = status_line(response);
  }
  return out;
}

}  // namespace spime::runtime
