// HttpClient: one keep-alive HTTP/1.1 connection to a loopback spime server.
//
// Contract:
//   - parse_loopback_url("http://127.0.0.1:3000") fills host and port; any other
//     scheme, a non-loopback host or a path is refused (the fleet tool only
//     drives a local engine).
//   - request() sends one request and waits for its response, at most
//     `timeout` for the whole exchange. A connection that the server closed
//     (or that timed out) is reopened once on the next request; errors come
//     back as HttpResult::error (non-empty), never as exceptions or hangs.
//   - Response bodies larger than kMaxBodyBytes are refused.
//
// Beast's blocking calls cannot time out, so each call drives Beast's async
// operations (each with the stream's expiry) on a private io_context until
// they finish: blocking to the caller, bounded in time.
#ifndef SPIME_DEVICES_HTTP_CLIENT_H_
#define SPIME_DEVICES_HTTP_CLIENT_H_

#include <chrono>
#include <memory>
#include <string>

namespace spime::devices {

struct LoopbackUrl {
  std::string host;
  unsigned short port = 0;
};

// False (and a message in *error) unless url is http://<loopback>:<port>[/].
bool parse_loopback_url(const std::string& url, LoopbackUrl* out, std::string* error);

struct HttpResult {
  std::string error;  // empty on success (any HTTP status counts as success)
  int status = 0;
  std::string body;
};

class HttpClient {
 public:
  static constexpr std::size_t kMaxBodyBytes = 16 * 1024 * 1024;

  HttpClient(LoopbackUrl url, std::chrono::milliseconds timeout);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // method is "GET" or "POST"; a POST body is sent as application/json.
  HttpResult request(const std::string& method, const std::string& target,
                     const std::string& body = std::string());

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace spime::devices

#endif  // SPIME_DEVICES_HTTP_CLIENT_H_
