// spime::client::ResponseStream: one HTTP/1.1 request whose answer's body is
// read as it arrives, piece by piece, over one connection. Under the
// Server-Sent Events reader (event_stream.h) and etcd's watch
// (engine/cluster/etcd_watch.h): answers that last as long as the caller
// wants them.
//
// Contract:
//   - open() connects, sends `<method> <base><target>` (Host, User-Agent and
//     Options::bearer_token as HttpClient does; `headers` after them;
//     Content-Length when `body` is not empty or the method is POST or PUT)
//     and reads the answer's status line and header, all within
//     Options::timeout. "" once a header came, whatever its status;
//     otherwise why not (refused, TLS, timed out, closed, a header over
//     64 KiB or malformed).
//   - read() appends the body's next bytes to *out, decoded (chunked
//     transfer coding, a Content-Length, or until the server closes), waiting
//     at most until `until` for at least one. It answers how many it
//     appended: 0 when none came in time, or the body is over (ended()).
//   - ended(): the body is complete, the server closed, or a read failed
//     (error() says which; "" for a clean end).
//   - The body is not buffered here beyond one read's worth of raw bytes:
//     what a caller keeps, it bounds itself.
//
// Thread-safety: one thread at a time (a private io_context, run only inside
// its calls). Nothing throws.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "channels/client/http_client.h"

namespace spime::client {

class ResponseStream {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ResponseStream(Url url, Options options = {});
  ~ResponseStream();
  ResponseStream(const ResponseStream&) = delete;
  ResponseStream& operator=(const ResponseStream&) = delete;
  ResponseStream(ResponseStream&&) noexcept;
  ResponseStream& operator=(ResponseStream&&) noexcept;

  std::string open(const std::string& method, const std::string& target, const Headers& headers,
                   const std::string& body = std::string());

  int status() const;              // of the answer (0 before one came)
  const Headers& headers() const;  // of the answer, as received
  // The first header of that name (case-insensitive); "" when absent.
  std::string header(const std::string& name) const;

  std::size_t read(Clock::time_point until, std::string* out);
  bool ended() const;
  const std::string& error() const;

  // Closes the connection (open() may be called again).
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace spime::client
