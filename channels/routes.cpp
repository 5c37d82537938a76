// The route table. See routes.h; each handler mirrors one app.* in server.ts.
#include "channels/routes.h"

#include <boost/algorithm/string/predicate.hpp>

#include <cctype>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>

#include "channels/attributes.h"
#include "channels/dashboard_routes.h"
#include "channels/metrics_route.h"
#include "engine/cluster/slots.h"

namespace spime::channels {
namespace {

using api::EventRequest;
using api::EventResult;
using api::QueryRequest;
using api::Result;
using api::UiContext;

using krl::Map;
using krl::Value;

// Calls `reply` once; if dropped uncalled (the engine lost the callback),
// answers 500 so the connection never hangs.
class ReplyOnce {
 public:
  explicit ReplyOnce(Reply reply) : reply_(std::move(reply)) {}
  ReplyOnce(const ReplyOnce&) = delete;
  ReplyOnce& operator=(const ReplyOnce&) = delete;
  ~ReplyOnce() {
    if (!done_) reply_(error_response(500, error_text("engine dropped the request")));
  }
  void operator()(Response r) {
    if (done_) return;
    done_ = true;
    reply_(std::move(r));
  }

 private:
  Reply reply_;
  bool done_ = false;
};
using ReplyPtr = std::shared_ptr<ReplyOnce>;

// What a handler sees: decoded path parameters and the merged attributes.
struct Call {
  std::vector<std::string> params;
  Value attrs;  // Map
  api::EngineApi& engine;
  ReplyPtr reply;
  // `X-Spime-Ack: processed` (sent by another spime's outbox): answer an
  // event only once its schedule has run and committed (see event()).
  bool ack_processed = false;
  // `X-Spime-Sender` / `X-Spime-Event-Id` (another spime's outbox): see
  // api::EventRequest::sender.
  std::string sender, sender_event_id;
  // The raw body (a view into the request, valid while the handler runs):
  // for the routes whose body is no JSON (a slot's records).
  std::string_view body;
};

using Handler = void (*)(Call& call);

struct Route {
  const char* pattern;  // literal segments and :params
  const char* method;   // the one method it answers; nullptr: any
  Handler handler;
};

// ---- handlers --------------------------------------------------------------

void ui_context(Call& call) {
  call.engine.ui_context([reply = call.reply](Result<UiContext> r) {
    if (!r.ok()) return (*reply)(status_response(r.status()));
    (*reply)(json_response(
        Value(Map{{"version", Value(r.value().version)}, {"eci", Value(r.value().eci)}})));
  });
}

Value outbox_value(const api::OutboxStatus& s) {
  krl::Array destinations;
  for (const api::OutboxDestination& d : s.destinations) {
    destinations.push_back(
        Value(Map{{"host", d.host},
                  {"eci", d.eci},
                  {"waiting", Value(static_cast<double>(d.waiting))},
                  {"oldestAgeMs", Value(static_cast<double>(d.oldest_age_ms))},
                  {"attempts", Value(static_cast<double>(d.attempts))},
                  {"lastError", d.last_error},
                  {"nextAttemptMs", Value(static_cast<double>(d.next_attempt_ms))},
                  {"inFlight", Value(d.in_flight)}}));
  }
  return Value(Map{{"capacity", Value(static_cast<double>(s.capacity))},
                   {"waiting", Value(static_cast<double>(s.waiting))},
                   {"delivered", Value(static_cast<double>(s.delivered))},
                   {"dropped", Value(static_cast<double>(s.dropped))},
                   {"destinations", Value(std::move(destinations))}});
}

void outbox(Call& call) {
  call.engine.outbox([reply = call.reply](Result<api::OutboxStatus> r) {
    (*reply)(r.ok() ? json_response(outbox_value(r.value())) : status_response(r.status()));
  });
}

void flush(Call& call) {
  const Value* url = call.attrs.as_map().find("url");
  if (!url || !url->is_string()) {
    return (*call.reply)(error_response(400, "TypeError: Expected `url`"));
  }
  const Value* eci = call.attrs.as_map().find("eci");
  std::string owner = eci && eci->is_string() ? eci->as_string() : "";
  call.engine.flush(std::move(owner), url->as_string(), [reply = call.reply](Result<Value> r) {
    (*reply)(r.ok() ? json_response(r.value()) : status_response(r.status()));
  });
}

// An integer attribute (a query string's text or a JSON number); false when
// it is something else.
bool integer_attr(const Value& v, std::int64_t* out) {
  if (v.is_number()) {
    const double n = v.as_number();
    if (!(n >= -9.0e15 && n <= 9.0e15) || n != static_cast<double>(static_cast<std::int64_t>(n))) {
      return false;
    }
    *out = static_cast<std::int64_t>(n);
    return true;
  }
  if (!v.is_string() || v.as_string().empty()) return false;
  const std::string& s = v.as_string();
  size_t used = 0;
  try {
    *out = std::stoll(s, &used, 10);
  } catch (const std::exception&) {
    return false;
  }
  return used == s.size();
}

// /api/clock?advance=MS|set=MS&eci=: a test engine's clock (EngineApi::clock).
void clock(Call& call) {
  api::ClockRequest req;
  const Map& attrs = call.attrs.as_map();
  if (const Value* eci = attrs.find("eci"); eci && eci->is_string()) req.eci = eci->as_string();
  for (const char* name : {"advance", "set"}) {
    const Value* v = attrs.find(name);
    if (!v) continue;
    std::int64_t ms = 0;
    if (!integer_attr(*v, &ms)) {
      return (*call.reply)(
          error_response(400, std::string("TypeError: `") + name + "` must be an integer (ms)"));
    }
    (std::string(name) == "advance" ? req.advance_ms : req.set_ms) = ms;
  }
  call.engine.clock(std::move(req), [reply = call.reply](Result<std::int64_t> r) {
    (*reply)(r.ok() ? json_response(Value(Map{{"now", Value(static_cast<double>(r.value()))}}))
                    : status_response(r.status()));
  });
}

// GET /api/prototypes: {"prototypes": [...]}, by name.
void prototypes(Call& call) {
  call.engine.prototypes([reply = call.reply](Result<Value> r) {
    (*reply)(r.ok() ? json_response(Value(Map{{"prototypes", r.value()}}))
                    : status_response(r.status()));
  });
}

// GET /api/ruleset-errors: the persisted rulesets that did not compile at start.
void cluster(Call& call) {
  call.engine.cluster([reply = call.reply](Result<Value> r) {
    (*reply)(r.ok() ? json_response(r.value()) : status_response(r.status()));
  });
}

void ruleset_errors(Call& call) {
  call.engine.ruleset_errors([reply = call.reply](Result<Value> r) {
    (*reply)(r.ok() ? json_response(Value(Map{{"errors", r.value()}}))
                    : status_response(r.status()));
  });
}

// GET /api/prototypes/:name: the resolved prototype.
void prototype(Call& call) {
  call.engine.prototype(call.params[0], [reply = call.reply](Result<Value> r) {
    (*reply)(r.ok() ? json_response(r.value()) : status_response(r.status()));
  });
}

// POST /api/prototypes/check {"file", "yaml"}: {"ok": true, "prototypes":
// [names]}, or 400 with the first error, "file:line:col: message".
void check_prototype(Call& call) {
  const Value* file = call.attrs.as_map().find("file");
  const Value* yaml = call.attrs.as_map().find("yaml");
  if (!file || !file->is_string() || !yaml || !yaml->is_string()) {
    return (*call.reply)(error_response(400, "TypeError: Expected `file` and `yaml` (strings)"));
  }
  api::PrototypeCheck check{file->as_string(), yaml->as_string()};
  call.engine.check_prototype(
      std::move(check), [reply = call.reply](Result<std::vector<std::string>> r) {
        if (!r.ok()) return (*reply)(status_response(r.status()));
        krl::Array names;
        for (const std::string& n : r.value()) names.emplace_back(n);
        (*reply)(json_response(Value(Map{{"ok", Value(true)}, {"prototypes", Value(names)}})));
      });
}

// POST /api/backup {"dir": ABSOLUTE_PATH} (spime's own): {"dir", "sequence", "ms"} once the
// copy is made (EngineApi::backup).
void backup(Call& call) {
  const Value* dir = call.attrs.as_map().find("dir");
  if (!dir || !dir->is_string() || dir->as_string().empty()) {
    return (*call.reply)(error_response(400, "TypeError: Expected `dir` (an absolute path)"));
  }
  call.engine.backup(api::BackupRequest{dir->as_string()}, [reply = call.reply](
                                                               Result<api::BackupResult> r) {
    if (!r.ok()) return (*reply)(status_response(r.status()));
    (*reply)(json_response(Value(Map{{"dir", Value(r.value().dir)},
                                     {"sequence", Value(static_cast<double>(r.value().sequence))},
                                     {"ms", Value(static_cast<double>(r.value().ms))}})));
  });
}

// POST /api/cluster/slots/:slot/:step: one step of a slot's move
// (EngineApi::export_slot and the others). export answers the slot's records
// as they are (JSON, runtime/cluster/slot_records.h); import takes them as
// its body, unparsed (sent as application/x-spime-slot: octet-stream would be
// parsed as JSON, as the reference's body parser does).
void slot_step(Call& call) {
  const std::optional<cluster::Slot> slot = cluster::parse_slot_text(call.params[0]);
  if (!slot) {
    return (*call.reply)(
        error_response(400, error_text("a slot is 3 lower-case hex digits, 000 to fff")));
  }
  const std::string& step = call.params[1];
  auto answer = [reply = call.reply](Result<Value> r) {
    (*reply)(r.ok() ? json_response(r.value()) : status_response(r.status()));
  };
  if (step == "export") {
    return call.engine.export_slot(*slot, [reply = call.reply](Result<std::string> r) {
      if (!r.ok()) return (*reply)(status_response(r.status()));
      Response records;
      records.body = std::move(r.value());
      (*reply)(std::move(records));
    });
  }
  if (step == "import") return call.engine.import_slot(*slot, std::string(call.body), answer);
  if (step == "release") return call.engine.release_slot(*slot, answer);
  if (step == "unseal") return call.engine.unseal_slot(*slot, answer);
  (*call.reply)(error_response(
      404, error_text("no slot step \"" + step + "\" (export, import, release, unseal)")));
}

// POST /api/cluster/picos/:pico/:step[?slot=S]: one step of a pico's move
// (EngineApi::pico_move_step). Every answer is JSON; export's is the pico's
// records, import's body.
void pico_step(Call& call) {
  api::PicoMoveStep step{call.params[1], call.params[0], std::nullopt, {}};
  if (const Value* slot = call.attrs.as_map().find("slot")) {
    step.slot = slot->is_string() ? cluster::parse_slot_text(slot->as_string()) : std::nullopt;
    if (!step.slot) {
      return (*call.reply)(
          error_response(400, error_text("a slot is 3 lower-case hex digits, 000 to fff")));
    }
  }
  if (step.step == "import") step.records = std::string(call.body);
  call.engine.pico_move_step(std::move(step), [reply = call.reply](Result<std::string> r) {
    if (!r.ok()) return (*reply)(status_response(r.status()));
    Response answer;
    answer.body = std::move(r.value());
    (*reply)(std::move(answer));
  });
}

EventRequest event_request(Call& call, size_t domain_index) {
  return EventRequest{call.params[0], call.params[domain_index], call.params[domain_index + 1],
                      call.attrs};
}

Value event_result_value(const EventResult& e) {
  return Value(Map{{"eid", Value(e.eid)},
                   {"directives", e.directives.is_array() ? e.directives : Value(krl::Array{})}});
}

// /c/:eci/event answers the eid at once, as the reference. With
// `X-Spime-Ack: processed` it answers once the event's schedule has run and
// its writes are durable, so a 2xx means the event cannot be lost here any
// more (a crash right after a queued-only answer would lose it): the eid, or
// 200 {"error", "eid": null} when its rules failed (the event was processed:
// sending it again would fail again). Refusals (404, 403, 503, ...) are
// answered as usual.
void event(Call& call) {
  EventRequest request = event_request(call, 1);
  request.sender = std::move(call.sender);
  request.sender_event_id = std::move(call.sender_event_id);
  if (call.ack_processed) {
    call.engine.event_wait(std::move(request), [reply = call.reply](Result<EventResult> r) {
      if (r.ok()) return (*reply)(json_response(Value(r.value().eid)));
      if (r.status().code() == api::Status::Code::kRuleError) {
        return (*reply)(json_response(
            Value(Map{{"eid", Value()}, {"error", Value(error_text(r.status().message()))}})));
      }
      (*reply)(status_response(r.status()));
    });
    return;
  }
  call.engine.event(std::move(request), [reply = call.reply](Result<std::string> r) {
    (*reply)(r.ok() ? json_response(Value(r.value())) : status_response(r.status()));
  });
}

void event_wait(Call& call) {
  call.engine.event_wait(event_request(call, 1), [reply = call.reply](Result<EventResult> r) {
    (*reply)(r.ok() ? json_response(event_result_value(r.value())) : status_response(r.status()));
  });
}

void event_query(Call& call) {
  QueryRequest query{call.params[0], call.params[3], call.params[4], call.attrs};
  call.engine.event_query(
      event_request(call, 1), std::move(query), [reply = call.reply](Result<Value> r) {
        (*reply)(r.ok() ? json_response(r.value()) : status_response(r.status()));
      });
}

// directive.options[key] when it is a string.
const Value* directive_option(const Value& directive, std::string_view key) {
  if (!directive.is_map()) return nullptr;
  const Value* options = directive.as_map().find("options");
  if (!options || !options->is_map()) return nullptr;
  const Value* v = options->as_map().find(key);
  return v && v->is_string() ? v : nullptr;
}

bool directive_named(const Value& directive, std::string_view name) {
  if (!directive.is_map()) return false;
  const Value* n = directive.as_map().find("name");
  return n && n->is_string() && n->as_string() == name;
}

// /sky/event: cookies and a redirect come from `_cookie`/`_redirect` directives.
Response sky_event_response(const EventResult& e) {
  Response r = json_response(event_result_value(e));
  if (!e.directives.is_array()) return r;
  for (const Value& d : e.directives.as_array()) {
    if (!directive_named(d, "_cookie")) continue;
    if (const Value* cookie = directive_option(d, "cookie")) {
      r.headers.emplace_back("Set-Cookie", cookie->as_string());
    }
  }
  for (const Value& d : e.directives.as_array()) {
    if (!directive_named(d, "_redirect")) continue;
    if (const Value* url = directive_option(d, "url")) {
      r.status = 302;
      r.content_type = "text/plain; charset=utf-8";
      r.body = "Found. Redirecting to " + url->as_string();
      r.headers.emplace_back("Location", url->as_string());
      break;
    }
  }
  return r;
}

void sky_event(Call& call) {
  const std::string& eid = call.params[1];
  if (eid != "none" && !call.attrs.as_map().contains("__eid")) {
    Map attrs = call.attrs.as_map();
    attrs.set("__eid", Value(eid));
    call.attrs = Value(std::move(attrs));
  }
  call.engine.event_wait(event_request(call, 2), [reply = call.reply](Result<EventResult> r) {
    (*reply)(r.ok() ? sky_event_response(r.value()) : status_response(r.status()));
  });
}

// "name.txt" → name "name", extension "txt" (JS split(".")[0] and [1]).
void split_function(const std::string& s, std::string* name, std::string* ext) {
  const size_t dot = s.find('.');
  *name = s.substr(0, dot);
  ext->clear();
  if (dot != std::string::npos) *ext = s.substr(dot + 1, s.find('.', dot + 1) - dot - 1);
}

Response query_response(const Value& data, const std::string& ext) {
  if (ext != "html" && ext != "txt") return json_response(data);
  if (!data.is_string() && !data.is_null()) {
    return error_response(500, "TypeError: a ." + ext + " query must return a String, not " +
                                   std::string(krl::type_name(data.type())));
  }
  Response r;
  r.content_type = ext == "html" ? "text/html" : "text/plain";
  if (data.is_string()) r.body = data.as_string();
  return r;
}

void query(Call& call) {
  std::string name;
  std::string ext;
  split_function(call.params[2], &name, &ext);
  QueryRequest q{call.params[0], call.params[1], std::move(name), call.attrs};
  call.engine.query(std::move(q), [reply = call.reply, ext](Result<Value> r) {
    (*reply)(r.ok() ? query_response(r.value(), ext) : status_response(r.status()));
  });
}

// In server.ts order, then spime's own.
const Route kRoutes[] = {
    {"/api/ui-context", "GET", ui_context},
    {"/api/outbox", "GET", outbox},
    {"/api/flush", nullptr, flush},
    {"/api/clock", nullptr, clock},
    {"/c/:eci/event/:domain/:name", nullptr, event},
    {"/c/:eci/event-wait/:domain/:name", nullptr, event_wait},
    {"/sky/event/:eci/:eid/:domain/:type", nullptr, sky_event},
    {"/c/:eci/event/:domain/:name/query/:rid/:qname", nullptr, event_query},
    {"/c/:eci/query/:rid/:name", nullptr, query},
    {"/sky/cloud/:eci/:rid/:function", nullptr, query},
    {"/api/prototypes", "GET", prototypes},
    {"/api/ruleset-errors", "GET", ruleset_errors},
    {"/api/cluster", "GET", cluster},
    {"/api/prototypes/check", "POST", check_prototype},
    {"/api/prototypes/:name", "GET", prototype},
    {"/api/backup", "POST", backup},
    {"/api/cluster/slots/:slot/:step", "POST", slot_step},
    {"/api/cluster/picos/:pico/:step", "POST", pico_step},
    {"/metrics", "GET",
     [](Call& call) {
       answer_metrics(call.engine, [r = call.reply](Response x) { (*r)(std::move(x)); });
     }},
};

// ---- matching ---------------------------------------------------------------

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);  // non-strict routing
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    segments.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return segments;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

// Matches `segments` against a route pattern; raw (undecoded) params out.
bool match(const char* pattern, const std::vector<std::string_view>& segments,
           std::vector<std::string_view>* params) {
  const std::vector<std::string_view> parts = split_path(pattern);
  if (parts.size() != segments.size()) return false;
  params->clear();
  for (size_t i = 0; i < parts.size(); ++i) {
    if (segments[i].empty()) return false;  // Express params never match ""
    if (parts[i].front() == ':') {
      params->push_back(segments[i]);
    } else if (!iequals(parts[i], segments[i])) {
      return false;
    }
  }
  return true;
}

// HEAD on any path: refused before anything runs (see routes.h). 405 with
// the methods the path answers in `Allow`, or 404 for a path nothing
// answers; no body either way (a HEAD answer has none).
Response head_response(const Request& request, std::string_view path) {
  Response r;
  r.content_type.clear();
  const std::vector<std::string_view> segments = split_path(path);
  std::vector<std::string_view> params;
  const char* allow = nullptr;
  for (const Route& route : kRoutes) {
    if (!match(route.pattern, segments, &params)) continue;
    allow = route.method == nullptr                   ? "POST, GET, OPTIONS"
            : std::string_view(route.method) == "GET" ? "GET, OPTIONS"
                                                      : "POST, OPTIONS";
    break;
  }
  Request as_get = request;
  as_get.method = "GET";
  if (!allow && (match("/c/:eci/stream", segments, &params) || dashboard_response(as_get))) {
    allow = "GET, OPTIONS";
  }
  if (!allow) {
    r.status = 404;
    return r;
  }
  r.status = 405;
  r.headers.emplace_back("Allow", allow);
  return r;
}

}  // namespace

void dispatch(const Request& request, api::EngineApi& engine, Reply reply_fn) {
  auto reply = std::make_shared<ReplyOnce>(std::move(reply_fn));
  if (request.method == "OPTIONS") return (*reply)(options_response());
  if (request.method == "HEAD") {
    return (*reply)(head_response(request, request.target.substr(0, request.target.find('?'))));
  }
  if (auto page = dashboard_response(request)) return (*reply)(std::move(*page));

  AttributeError body_error;
  Value body;
  if (!parse_body(request.content_type, request.body, request.has_body, &body, &body_error)) {
    return (*reply)(error_response(body_error.status, body_error.message));
  }

  const size_t question = request.target.find('?');
  const std::string_view path = request.target.substr(0, question);
  const std::string_view query_string =
      question == std::string_view::npos ? std::string_view() : request.target.substr(question + 1);
  const std::vector<std::string_view> segments = split_path(path);

  std::vector<std::string_view> raw_params;
  for (const Route& route : kRoutes) {
    if (route.method && request.method != route.method) continue;
    if (!match(route.pattern, segments, &raw_params)) continue;
    Call call{{}, Value(), engine, reply, false, {}, {}, request.body};
    for (std::string_view raw : raw_params) {
      std::string decoded;
      if (!decode_uri_component(raw, &decoded)) {
        return (*reply)(
            error_response(400, "URIError: Failed to decode param '" + std::string(raw) + "'"));
      }
      call.params.push_back(std::move(decoded));
    }
    call.attrs =
        merge_attributes(parse_query_string(query_string), body, headers_value(request.headers));
    for (const auto& [name, value] : request.headers) {
      if (boost::iequals(name, "x-spime-ack") && boost::iequals(value, "processed")) {
        call.ack_processed = true;
      } else if (boost::iequals(name, "x-spime-sender")) {
        call.sender = value;
      } else if (boost::iequals(name, "x-spime-event-id")) {
        call.sender_event_id = value;
      }
    }
    route.handler(call);
    return;
  }
  (*reply)(error_response(404, "Cannot " + std::string(request.method) + " " + std::string(path)));
}

bool stream_request(const Request& request, api::WatchRequest* watch, Response* error) {
  if (request.method != "GET") return false;
  const size_t question = request.target.find('?');
  const std::vector<std::string_view> segments = split_path(request.target.substr(0, question));
  std::vector<std::string_view> raw;
  if (!match("/c/:eci/stream", segments, &raw)) return false;
  if (!decode_uri_component(raw[0], &watch->eci)) {
    *error = error_response(400, "URIError: Failed to decode param '" + std::string(raw[0]) + "'");
    return true;
  }
  const Value params =
      parse_query_string(question == std::string_view::npos ? std::string_view()
                                                            : request.target.substr(question + 1));
  auto text = [&params](std::string_view name) {
    const Value* v = params.is_map() ? params.as_map().find(name) : nullptr;
    return v && v->is_string() ? v->as_string() : std::string();
  };
  watch->domain = text("domain");
  watch->type = text("type");
  std::string last = text("lastEventId");
  for (const auto& [name, value] : request.headers) {
    if (boost::iequals(name, "last-event-id")) last = value;
  }
  if (!last.empty()) {
    std::int64_t id = 0;
    if (!integer_attr(Value(last), &id) || id < 0) {
      *error = error_response(400, error_text("Last-Event-ID must be a whole number"));
      return true;
    }
    watch->last_event_id = static_cast<std::uint64_t>(id);
  }
  return true;
}

bool eci_of_target(std::string_view target, std::string* eci) {
  const std::vector<std::string_view> segments = split_path(target.substr(0, target.find('?')));
  std::string_view raw;
  if (segments.size() >= 3 && iequals(segments[0], "c")) {
    raw = segments[1];
  } else if (segments.size() >= 4 && iequals(segments[0], "sky") &&
             (iequals(segments[1], "event") || iequals(segments[1], "cloud"))) {
    raw = segments[2];
  }
  return !raw.empty() && decode_uri_component(raw, eci);
}

}  // namespace spime::channels
