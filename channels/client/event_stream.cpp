// The Server-Sent Events format over a ResponseStream (response_stream.h),
// which owns the connection and the body's framing.
#include "channels/client/event_stream.h"

#include <deque>

#include "channels/client/response_stream.h"

namespace spime::client {

using Clock = ResponseStream::Clock;

struct EventStream::Impl {
  Impl(Url url, Options opts) : options(opts), stream(std::move(url), std::move(opts)) {}

  Options options;
  ResponseStream stream;
  bool open = false;
  int status = 0;     // of the answer to the last open()
  std::string buf;    // body text not parsed into lines yet
  std::string error;  // the format's own (a line too long); else the stream's
  std::size_t comments = 0;
  std::deque<SseEvent> ready;
  SseEvent current;
  bool current_has = false;
  bool has_data = false;

  void field(std::string_view line) {
    if (line.empty()) {
      if (current_has) ready.push_back(std::move(current));
      current = SseEvent{};
      current_has = false;
      has_data = false;
      return;
    }
    if (line.front() == ':') {
      ++comments;
      return;
    }
    const size_t colon = line.find(':');
    std::string_view name = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (name == "data") {
      if (has_data) current.data += '\n';
      current.data += value;
      has_data = true;
      current_has = true;
    } else if (name == "id") {
      current.id = std::string(value);
      current_has = true;
    } else if (name == "event") {
      current.event = std::string(value);
      current_has = true;
    }
  }

  void parse() {
    size_t start = 0;
    for (;;) {
      const size_t nl = buf.find('\n', start);
      if (nl == std::string::npos) break;
      std::string_view line(buf.data() + start, nl - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      field(line);
      start = nl + 1;
    }
    buf.erase(0, start);
    if (buf.size() > options.max_body_bytes || current.data.size() > options.max_body_bytes) {
      error = "an event or line over " + std::to_string(options.max_body_bytes) + " bytes";
      stream.close();
      open = false;
    }
  }

  void reset() {
    stream.close();
    open = false;
    buf.clear();
    ready.clear();
    current = SseEvent{};
    current_has = false;
    has_data = false;
  }
};

EventStream::EventStream(Url url, Options options)
    : impl_(std::make_unique<Impl>(std::move(url), std::move(options))) {}

EventStream::~EventStream() = default;
EventStream::EventStream(EventStream&&) noexcept = default;
EventStream& EventStream::operator=(EventStream&&) noexcept = default;

std::string EventStream::open(const std::string& target, const std::string& last_event_id) {
  Impl& m = *impl_;
  m.reset();
  m.error.clear();
  m.status = 0;
  const auto deadline = Clock::now() + m.options.timeout;
  Headers headers{{"Accept", "text/event-stream"}};
  if (!last_event_id.empty()) headers.emplace_back("Last-Event-ID", last_event_id);
  std::string why = m.stream.open("GET", target, headers);
  if (!why.empty()) return why;
  m.status = m.stream.status();
  if (m.status == 200 &&
      m.stream.header("content-type").find("text/event-stream") != std::string::npos) {
    m.open = true;
    return {};
  }
  // An error answer: its body, bounded by the same deadline and size.
  std::string body;
  while (!m.stream.ended() && Clock::now() < deadline && body.size() <= m.options.max_body_bytes) {
    m.stream.read(deadline, &body);
  }
  why = "HTTP " + std::to_string(m.stream.status()) + ": " + body;
  m.stream.close();
  return why;
}

int EventStream::status() const {
  return impl_->status;
}

std::optional<SseEvent> EventStream::next(std::chrono::milliseconds wait) {
  Impl& m = *impl_;
  const auto until = Clock::now() + wait;
  for (;;) {
    if (m.open) m.parse();
    if (!m.ready.empty()) {
      SseEvent e = std::move(m.ready.front());
      m.ready.pop_front();
      return e;
    }
    if (ended() || Clock::now() >= until) return std::nullopt;
    m.stream.read(until, &m.buf);
  }
}

bool EventStream::ended() const {
  return !impl_->open || impl_->stream.ended();
}

const std::string& EventStream::error() const {
  return impl_->error.empty() ? impl_->stream.error() : impl_->error;
}

std::size_t EventStream::comments() const {
  return impl_->comments;
}

void EventStream::close() {
  impl_->reset();
}

}  // namespace spime::client
