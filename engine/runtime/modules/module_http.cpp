// The `http` module (reference: pico-engine-core/src/modules/http.ts):
// http:get, head (actions that may also be used as functions), post, put,
// patch, delete (actions). Each takes, positionally in this order or by
// name: url, qs, headers, body, auth, json, form, parseJSON, autoraise,
// autosend, dontFollowRedirect (and ours, errorResponse); and answers the
// response map {content, content_type, content_length, headers,
// status_code, status_line} for every status (a 404 is an answer, not an
// error).
//
// As the reference:
//  - `qs` (any truthy value) is appended as "?" + its encoding, `form` is the
//    body in the same encoding: the qs library's stringify with its default
//    index arrays (the reference asks for arrayFormat "bracket", which qs
//    does not know), RFC 3986 escapes: {a: [1, {b: 2}], s: "x y"} is
//    a%5B0%5D=1&a%5B1%5D%5Bb%5D=2&s=x%20y; null is "k=", empty arrays and
//    maps give nothing.
//  - The body is `body` (as a string; default Content-Type
//    text/plain;charset=UTF-8), else `json` (encoded; application/json),
//    else `form` (application/x-www-form-urlencoded), whichever is truthy
//    first; a Content-Type in `headers` wins over the default.
//  - `auth` {username, password} sends Basic credentials; a User-Agent of
//    pico-engine-core-http and Accept */* unless `headers` says otherwise.
//  - parseJSON == true decodes the content as JSON when it is JSON.
//  - autoraise (truthy) raises http:<method> (get, post, ...) on the pico's
//    schedule with the response map plus `label` (autoraise as a string).
//  - autosend {eci, domain, name, data: {attrs}} answers null and sends that
//    event with its attrs merged with the response map. Here the request
//    still runs within the call, and the event leaves once the schedule has
//    committed (the reference sends it whenever the response arrives); a
//    failed request is logged, as the reference.
//  - Redirects are followed unless dontFollowRedirect (http_request.h).
// Unlike the reference: no Accept-Encoding (the content is never
// compressed behind the ruleset's back), `Connection: close`, and header
// names are matched without regard to case when a default is overridden.
//
// Errors: "http:get needs a url string", "http:get was given [Map] instead
// of a url string" (TypeError), a header name or value that HTTP cannot
// carry, and the transport's: "http:get <url>: timed out after 10000 ms",
// "...: response larger than 1048576 bytes", "...: unsupported url scheme
// ftp", "...: cannot connect to 127.0.0.1:1: Connection refused", and the
// destination guard's (destination_guard.h: `spime serve` refuses loopback,
// link-local and the engine's own address unless --http-allow says so):
// "http:get http://127.0.0.1:3000/api/ui-context: destination refused:
// 127.0.0.1 is a loopback address (spime serve --http-allow to allow it)".
//
// Threads: the request blocks the calling thread, bounded by the timeout.
// Picos whose rulesets use this module run on the I/O pool (io_pool.h), so
// that thread is never a CAF worker; where a call would block one (a nested
// call from a pico without http) it fails instead: "http:get <url>: not run
// on a scheduler thread ...". Limits come from the pool (IoPool::Options),
// or are the defaults off the pool (`krl run`).
#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>

#include "engine/krl/ascii.h"
#include "engine/krl/error.h"
#include "engine/krl/host.h"
#include "engine/krl/limits.h"
#include "engine/krl/stdlib/digest.h"
#include "engine/runtime/modules/runtime_modules.h"
#include "engine/runtime/outbound/destination_guard.h"
#include "engine/runtime/outbound/http_client.h"
#include "engine/runtime/outbound/http_request.h"
#include "engine/runtime/pico/io_pool.h"
#include "engine/runtime/pico/runtime_host.h"

namespace spime::runtime {

using http_client::percent_encode;
using krl::Args;
using krl::EvalContext;
using krl::KrlError;
using krl::Map;
using krl::Value;

namespace {

// The reference's parameter order ("order is significant"), then ours:
// errorResponse (true: a transport failure answers {"status_code": null,
// "error": <why>, ...} instead of failing the rule, for callers that must
// tell "no answer" from an answer, such as a subscription's health).
constexpr std::array<std::string_view, 12> kParams{"url",
                                                   "qs",
                                                   "headers",
                                                   "body",
                                                   "auth",
                                                   "json",
                                                   "form",
                                                   "parseJSON",
                                                   "autoraise",
                                                   "autosend",
                                                   "dontFollowRedirect",
                                                   "errorResponse"};
enum Param {
  kUrl,
  kQs,
  kHeaders,
  kBody,
  kAuth,
  kJson,
  kForm,
  kParseJson,
  kAutoraise,
  kAutosend,
  kDontFollow,
  kErrorResponse
};

// The arguments bound to kParams as the reference's krlNamedArgs does (a named one wins over
// the positional one at its index).
std::array<Value, kParams.size()> bind(const Args& args) {
  std::array<Value, kParams.size()> out;
  for (size_t i = 0; i < kParams.size(); ++i) {
    if (i < args.positional.size()) out[i] = args.positional[i];
    for (const auto& [name, value] : args.named) {
      if (name == kParams[i]) out[i] = value;
    }
  }
  return out;
}

// ---- the qs library's stringify (RFC 3986, index arrays) ----------------------------------

void qs_pairs(const std::string& prefix, const Value& v, std::vector<std::string>* out, int depth) {
  if (v.is_undefined()) return;
  if (depth > krl::kMaxJsonDepth) throw KrlError("http: query string nested too deeply");
  if (v.is_array()) {
    const auto& a = v.as_array();
    for (size_t i = 0; i < a.size(); ++i) {
      qs_pairs(prefix + "[" + std::to_string(i) + "]", a[i], out, depth + 1);
    }
    return;
  }
  if (v.is_map()) {
    for (const auto& [k, item] : v.as_map()) qs_pairs(prefix + "[" + k + "]", item, out, depth + 1);
    return;
  }
  if (v.is_regexp() || v.is_callable()) return;  // objects without keys, as in JavaScript
  std::string pair;
  percent_encode(prefix, &pair);
  pair += '=';
  if (!v.is_null()) percent_encode(krl::to_string(v), &pair);
  out->push_back(std::move(pair));
}

}  // namespace

std::string http_query_string(const Value& data) {
  std::vector<std::string> pairs;
  if (data.is_array()) {
    const auto& a = data.as_array();
    for (size_t i = 0; i < a.size(); ++i) qs_pairs(std::to_string(i), a[i], &pairs, 1);
  } else if (data.is_map()) {
    for (const auto& [k, v] : data.as_map()) qs_pairs(k, v, &pairs, 1);
  }
  std::string out;
  for (const auto& p : pairs) out += (out.empty() ? "" : "&") + p;
  return out;
}

namespace {

// ---- one call ---------------------------------------------------------------------------------

bool is_token(std::string_view name) {
  if (name.empty()) return false;
  for (unsigned char c : name) {
    if (std::isalnum(c)) continue;
    if (std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool is_field_value(std::string_view v) {
  return std::none_of(v.begin(), v.end(), [](char c) { return c == '\r' || c == '\n' || c == 0; });
}

class Headers {
 public:
  // Sets `name` (replacing any spelling of it).
  void set(const std::string& name, std::string value) {
    for (auto& h : list_) {
      if (krl::lower_ascii(h.first) == krl::lower_ascii(name)) {
        h = {name, std::move(value)};
        return;
      }
    }
    list_.emplace_back(name, std::move(value));
  }
  bool has(const std::string& name) const {
    return std::any_of(list_.begin(), list_.end(), [&](const auto& h) {
      return krl::lower_ascii(h.first) == krl::lower_ascii(name);
    });
  }
  std::vector<std::pair<std::string, std::string>> take() { return std::move(list_); }

 private:
  std::vector<std::pair<std::string, std::string>> list_;
};

bool is_blank_string(const Value& v) {
  if (!v.is_string()) return true;
  return std::all_of(v.as_string().begin(), v.as_string().end(),
                     [](unsigned char c) { return std::isspace(c); });
}

// pico-framework's cleanEvent, for autosend.
OutgoingEvent autosend_event(const Value& autosend, Map* attrs) {
  const Map empty;
  const Map& o = autosend.is_map() ? autosend.as_map() : empty;
  auto get = [&](const char* k) {
    const Value* v = o.find(k);
    return v ? *v : Value();
  };
  if (is_blank_string(get("eci"))) throw KrlError("missing event.eci");
  if (is_blank_string(get("domain"))) throw KrlError("missing event.domain");
  if (is_blank_string(get("name"))) throw KrlError("missing event.name");
  Value data = get("data");
  if (data.is_map()) {
    if (const Value* a = data.as_map().find("attrs")) {
      Value clean = krl::json_clean(*a);
      if (clean.is_map()) {
        *attrs = clean.as_map();
      } else if (!a->is_null()) {
        throw KrlError("Expected a JSON map for event.data.attrs");
      }
    }
  }
  OutgoingEvent e;
  e.eci = krl::trim(get("eci").as_string());
  e.domain = krl::trim(get("domain").as_string());
  e.name = krl::trim(get("name").as_string());
  return e;
}

// The leading integer of a Content-Length, as parseInt(..., 10) || 0.
double leading_int(const std::string* s) {
  if (!s) return 0;
  size_t i = s->find_first_not_of(" \t");
  if (i == std::string::npos) return 0;
  bool negative = false;
  if ((*s)[i] == '+' || (*s)[i] == '-') negative = (*s)[i++] == '-';
  double n = 0;
  bool any = false;
  for (; i < s->size() && std::isdigit(static_cast<unsigned char>((*s)[i])); ++i) {
    n = n * 10 + ((*s)[i] - '0');
    any = true;
  }
  return any ? (negative ? -n : n) : 0;
}

Map response_map(HttpResponse& res, bool parse_json) {
  Value content(std::move(res.body));
  if (parse_json) {
    Value parsed;
    std::string err;
    if (krl::parse_json(content.as_string(), &parsed, &err)) content = std::move(parsed);
  }
  const std::string* type = res.header("content-type");
  Map headers;
  for (auto& [name, value] : res.headers) headers.set(name, Value(value));
  Map r;
  r.set("content", std::move(content));
  r.set("content_type", type ? Value(*type) : Value());
  r.set("content_length", Value(leading_int(res.header("content-length"))));
  r.set("headers", Value(std::move(headers)));
  r.set("status_code", Value(static_cast<double>(res.status)));
  r.set("status_line", Value(res.reason));
  return r;
}

Value call_http(EvalContext& ctx, const std::string& method, const Args& args) {
  const std::string lower_method = krl::lower_ascii(method);
  const std::string who = "http:" + lower_method;
  auto a = bind(args);
  const Value& url = a[kUrl];
  if (!krl::truthy(url)) throw KrlError(who + " needs a url string");
  if (!url.is_string()) {
    throw krl::type_error(who + " was given " + krl::to_string(url) + " instead of a url string");
  }
  std::optional<OutgoingEvent> autosend;
  Map autosend_attrs;
  if (krl::truthy(a[kAutosend])) autosend = autosend_event(a[kAutosend], &autosend_attrs);

  HttpRequest req;
  req.method = method;
  req.url = url.as_string();
  if (krl::truthy(a[kQs])) req.url += "?" + http_query_string(a[kQs]);
  Headers headers;
  headers.set("user-agent", "pico-engine-core-http");
  if (a[kHeaders].is_map()) {
    for (const auto& [name, value] : a[kHeaders].as_map()) {
      std::string v = krl::to_string(value);
      if (!is_token(name)) throw krl::type_error(who + ": " + name + " is not a legal header name");
      if (!is_field_value(v)) {
        throw krl::type_error(who + ": the value of header " + name + " is not legal");
      }
      headers.set(name, std::move(v));
    }
  }
  const Value& auth = a[kAuth];
  if (auth.is_map()) {
    const Value* user = auth.as_map().find("username");
    const Value* pass = auth.as_map().find("password");
    if (user && user->is_string()) {
      std::string plain =
          user->as_string() + ":" + (pass && pass->is_string() ? pass->as_string() : std::string());
      headers.set("Authorization", "Basic " + krl::stdlib::base64_encode(plain));
    }
  }
  auto default_type = [&](const char* type) {
    if (!headers.has("content-type")) headers.set("content-type", type);
  };
  if (krl::truthy(a[kBody])) {
    req.has_body = true;
    req.body = krl::to_string(a[kBody]);
    default_type("text/plain;charset=UTF-8");
  } else if (krl::truthy(a[kJson])) {
    req.has_body = true;
    req.body = krl::encode_json(a[kJson]);
    default_type("application/json");
  } else if (krl::truthy(a[kForm])) {
    req.has_body = true;
    req.body = http_query_string(a[kForm]);
    default_type("application/x-www-form-urlencoded");
  }
  if (!headers.has("accept")) headers.set("accept", "*/*");
  req.headers = headers.take();

  if (!blocking_allowed()) {
    throw KrlError(who + " " + req.url +
                   ": not run on a scheduler thread (a call from a pico whose rulesets do not "
                   "use http); that pico runs on the I/O pool from now on, and the message "
                   "runs again there when nothing of it has lasted");
  }
  HttpRequestOptions options;
  if (const IoPool* pool = IoPool::current()) {
    options.timeout = pool->options().http_timeout;
    options.max_response_bytes = pool->options().http_max_response_bytes;
  }
  options.follow_redirects = !krl::truthy(a[kDontFollow]);
  // No loopback, link-local or own routes unless allowed (destination_guard.h).
  const std::shared_ptr<const DestinationGuard> guard = http_module_guard();
  options.guard = guard.get();
  HttpResponse res;
  std::string error;
  // The engine's stop interrupts the call too, not only the evaluation around it.
  http_client::AbortScope abort(ctx.interrupt);
  bool ok = send_http_request(req, options, &res, &error);
  if (autosend) {
    RuntimeHost& host = RuntimeHost::from(ctx, who.c_str());
    if (!ok) {
      host.log(krl::LogLevel::Error, host.current_rid(),
               "http autosend error: " + who + " " + req.url + ": " + error);
      return Value();
    }
    host.throw_if_read_only(who.c_str());
    Map attrs = std::move(autosend_attrs);
    for (auto& [k, v] : response_map(res, a[kParseJson].is_bool() && a[kParseJson].as_bool())) {
      attrs.set(k, v);
    }
    autosend->attrs = Value(std::move(attrs));
    host.txn().outgoing.push_back(std::move(*autosend));
    return Value();
  }
  if (!ok && krl::truthy(a[kErrorResponse])) {
    return Value(Map{{"content", Value()},
                     {"content_type", Value()},
                     {"content_length", Value(0.0)},
                     {"headers", Value(Map())},
                     {"status_code", Value()},
                     {"status_line", Value()},
                     {"error", Value(who + " " + req.url + ": " + error)}});
  }
  if (!ok) throw KrlError(who + " " + req.url + ": " + error);
  Map r = response_map(res, a[kParseJson].is_bool() && a[kParseJson].as_bool());
  if (krl::truthy(a[kAutoraise]) && ctx.host) {
    Map attrs = r;
    attrs.set("label", Value(krl::to_string(a[kAutoraise])));
    ctx.host->raise_event(krl::RaisedEvent{"http", lower_method, Value(std::move(attrs)), {}});
  }
  return Value(std::move(r));
}

// http:<method> as a KRL value: it binds its own twelve parameters (callable.h's Builtin binds
// at most kMaxBuiltinParams), so the module's rows are properties whose value is this.
class HttpMethod final : public krl::Function {
 public:
  HttpMethod(const char* name, const char* method, Kind kind)
      : Function(kind), name_(name), method_(method) {}
  std::string_view name() const override { return name_; }
  Value call(EvalContext& ctx, const Args& args) const override {
    return call_http(ctx, method_, args);
  }

 private:
  const char* name_;
  const char* method_;
};

template <const char* kName, const char* kMethod, krl::Function::Kind kKind>
Value method_value(EvalContext&, const krl::BoundArgs&) {
  static const Value f(
      std::shared_ptr<const krl::Function>(std::make_shared<HttpMethod>(kName, kMethod, kKind)));
  return f;
}

constexpr char kGet[] = "get", kGetM[] = "GET";
constexpr char kHead[] = "head", kHeadM[] = "HEAD";
constexpr char kPost[] = "post", kPostM[] = "POST";
constexpr char kPut[] = "put", kPutM[] = "PUT";
constexpr char kPatch[] = "patch", kPatchM[] = "PATCH";
constexpr char kDelete[] = "delete", kDeleteM[] = "DELETE";

}  // namespace

const krl::Module& http_module() {
  using K = krl::Function::Kind;
  static const krl::Module m{
      "http",
      {
          {kGet, {}, method_value<kGet, kGetM, K::ActionFunction>, K::ActionFunction, true},
          {kHead, {}, method_value<kHead, kHeadM, K::ActionFunction>, K::ActionFunction, true},
          {kPost, {}, method_value<kPost, kPostM, K::Action>, K::Action, true},
          {kPut, {}, method_value<kPut, kPutM, K::Action>, K::Action, true},
          {kPatch, {}, method_value<kPatch, kPatchM, K::Action>, K::Action, true},
          {kDelete, {}, method_value<kDelete, kDeleteM, K::Action>, K::Action, true},
      }};
  return m;
}

}  // namespace spime::runtime
