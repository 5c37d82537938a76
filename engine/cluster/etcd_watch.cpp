#include "engine/cluster/etcd_watch.h"

#include <deque>

#include <nlohmann/json.hpp>

#include "channels/client/response_stream.h"
#include "engine/cluster/etcd_json.h"

namespace spime::cluster {

using api::Status;
using nlohmann::json;
using Clock = client::ResponseStream::Clock;

struct EtcdWatch::Impl {
  std::vector<client::Url> endpoints;
  client::Options options;
  std::optional<client::ResponseStream> stream;
  std::size_t current = 0;
  std::string buf;  // body text not split into lines yet
  std::deque<WatchBatch> ready;
  bool created = false;
  bool ended = true;
  Status status = Status::unavailable("the watch is not open");
  std::int64_t revision = 0;
  std::int64_t compact_revision = 0;

  void end(Status why) {
    if (ended) return;
    ended = true;
    status = std::move(why);
    if (stream) stream->close();
  }

  // One line of the answer: {"result": WatchResponse} or {"error": ...}.
  void take_line(std::string_view line) {
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      return end(Status::internal("etcd watch: a line that is not JSON"));
    }
    if (j.contains("error")) {
      const json& e = j["error"];
      const std::string message = e.is_object() && e.contains("message") && e["message"].is_string()
                                      ? e["message"].get<std::string>()
                                      : e.dump();
      return end(Status::unavailable("etcd watch: " + message));
    }
    const auto result = j.find("result");
    if (result == j.end() || !result->is_object()) {
      return end(Status::internal("etcd watch: a line without a result"));
    }
    const json& r = *result;
    if (r.value("created", false)) created = true;
    revision = std::max(revision, etcd_json::header_revision(r));
    if (r.value("canceled", false)) {
      compact_revision = etcd_json::number_or(r, "compact_revision", 0);
      if (compact_revision > 0) {
        return end(Status::conflict("etcd watch: revision compacted to " +
                                    std::to_string(compact_revision)));
      }
      return end(Status::unavailable("etcd watch cancelled: " + r.value("cancel_reason", "")));
    }
    const auto events = r.find("events");
    if (events == r.end()) return;
    if (!events->is_array()) return end(Status::internal("etcd watch: events is not an array"));
    WatchBatch batch;
    batch.revision = etcd_json::header_revision(r);
    for (const json& e : *events) {
      WatchEvent ev;
      if (!e.is_object()) return end(Status::internal("etcd watch: an event is not an object"));
      ev.type = e.value("type", std::string("PUT")) == "DELETE" ? WatchEvent::Type::kDelete
                                                                : WatchEvent::Type::kPut;
      if (!etcd_json::read_kv(e.value("kv", json::object()), &ev.kv)) {
        return end(Status::internal("etcd watch: an event whose kv does not parse"));
      }
      batch.events.push_back(std::move(ev));
    }
    if (!batch.events.empty()) ready.push_back(std::move(batch));
  }

  void split_lines() {
    std::size_t start = 0;
    for (;;) {
      const std::size_t nl = buf.find('\n', start);
      if (nl == std::string::npos) break;
      std::string_view line(buf.data() + start, nl - start);
      start = nl + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!line.empty()) take_line(line);
      if (ended) break;
    }
    buf.erase(0, start);
    if (!ended && buf.size() > options.max_body_bytes) {
      end(Status::internal("etcd watch: a line over " + std::to_string(options.max_body_bytes) +
                           " bytes"));
    }
  }

  // Reads until a batch is ready, the watch ends, or `until`.
  void pump(Clock::time_point until) {
    while (!ended && ready.empty()) {
      split_lines();
      if (ended || !ready.empty()) return;
      if (stream->ended()) {
        return end(Status::unavailable("etcd watch: the member closed it" +
                                       (stream->error().empty() ? "" : ": " + stream->error())));
      }
      if (Clock::now() >= until) return;
      stream->read(until, &buf);
    }
  }
};

EtcdWatch::EtcdWatch(std::vector<client::Url> endpoints, client::Options options)
    : impl_(std::make_unique<Impl>()) {
  impl_->endpoints = std::move(endpoints);
  impl_->options = std::move(options);
}

EtcdWatch::~EtcdWatch() = default;

Status EtcdWatch::open(const std::string& key, const std::string& range_end,
                       std::int64_t start_revision) {
  Impl& m = *impl_;
  close();
  json create{{"key", etcd_json::bytes(key)}};
  if (!range_end.empty()) create["range_end"] = etcd_json::bytes(range_end);
  if (start_revision > 0) create["start_revision"] = std::to_string(start_revision);
  const std::string body = json{{"create_request", create}}.dump();
  std::string last_error = "no etcd endpoint";
  for (std::size_t tried = 0; tried < m.endpoints.size(); ++tried) {
    const std::size_t i = (m.current + tried) % m.endpoints.size();
    const auto deadline = Clock::now() + m.options.timeout;
    m.stream.emplace(m.endpoints[i], m.options);
    const std::string where = m.endpoints[i].to_string();
    std::string why =
        m.stream->open("POST", "/v3/watch", {{"Content-Type", "application/json"}}, body);
    if (why.empty() && m.stream->status() != 200) {
      why = "answered " + std::to_string(m.stream->status());
    }
    if (!why.empty()) {
      last_error = "etcd at " + where + ": " + why;
      continue;
    }
    m.current = i;
    m.ended = false;
    m.status = Status::ok();
    m.created = false;
    m.compact_revision = 0;
    m.buf.clear();
    // The first message confirms the watch (and a compacted start cancels it).
    while (!m.ended && !m.created && Clock::now() < deadline) {
      m.split_lines();
      if (m.ended || m.created) break;
      if (m.stream->ended()) {
        m.end(Status::unavailable("the member closed the watch"));
        break;
      }
      m.stream->read(deadline, &m.buf);
    }
    if (m.created && !m.ended) return Status::ok();
    if (m.status.code() == Status::Code::kConflict) return m.status;
    last_error = "etcd at " + where + ": " +
                 (m.ended ? m.status.message() : std::string("no confirmation in time"));
    close();
  }
  m.status = Status::unavailable(last_error);
  return m.status;
}

std::optional<WatchBatch> EtcdWatch::next(std::chrono::milliseconds wait) {
  Impl& m = *impl_;
  if (m.ready.empty() && !m.ended) m.pump(Clock::now() + wait);
  if (m.ready.empty()) return std::nullopt;
  WatchBatch b = std::move(m.ready.front());
  m.ready.pop_front();
  return b;
}

bool EtcdWatch::ended() const {
  return impl_->ended && impl_->ready.empty();
}

Status EtcdWatch::status() const {
  return impl_->status;
}

std::int64_t EtcdWatch::revision() const {
  return impl_->revision;
}

std::int64_t EtcdWatch::compact_revision() const {
  return impl_->compact_revision;
}

void EtcdWatch::close() {
  Impl& m = *impl_;
  if (m.stream) m.stream->close();
  m.stream.reset();
  m.ended = true;
  m.ready.clear();
  m.buf.clear();
}

}  // namespace spime::cluster
