// spime::client::EventStream: reads one Server-Sent Events stream (spime's
// GET /c/:eci/stream) over one connection: the `spime` command line's
// `violations --follow`, the stream load tool and the tests.
//
// Contract:
//   - open() connects, sends `GET <base><target>` with `Accept:
//     text/event-stream` (and `Last-Event-ID` when given) and reads the
//     answer's header, all within Options::timeout. "" when the server
//     answered 200 with an event stream; otherwise why not: the status and
//     the body the server sent (read until it closed, bounded by the same
//     deadline and Options::max_body_bytes).
//   - next() answers the next event, waiting at most `wait` for it; nullopt
//     when none came in time (ended() false) or the stream is over (ended()
//     true: the server closed it, or a read failed; error() says which).
//     Comment lines (": keep-alive") are not events: comments() counts them.
//     A line or an event over Options::max_body_bytes ends the stream (error).
//   - Events are parsed as the SSE format says: `id:`, `event:`, `data:`
//     (several joined with "\n"), one blank line ends an event; a missing
//     `event:` is "message".
//
// Thread-safety: one thread at a time (a private io_context, run only inside
// its calls). Nothing throws.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "channels/client/http_client.h"

namespace spime::client {

struct SseEvent {
  std::string id;
  std::string event = "message";
  std::string data;
};

class EventStream {
 public:
  explicit EventStream(Url url, Options options = {});
  ~EventStream();
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;
  EventStream(EventStream&&) noexcept;
  EventStream& operator=(EventStream&&) noexcept;

  std::string open(const std::string& target, const std::string& last_event_id = "");
  int status() const;  // of the answer to open() (0 when none came)

  std::optional<SseEvent> next(std::chrono::milliseconds wait);
  bool ended() const;
  const std::string& error() const;
  std::size_t comments() const;

  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace spime::client
