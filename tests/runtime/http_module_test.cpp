// The http module's parts without an engine: the query-string encoding (as
// the qs library's stringify with the reference's options), one request with
// send_http_request against a loopback Beast server (limits, redirects,
// HEAD), the module called from KRL on an I/O pool thread (its limits) and
// on a "scheduler" thread (refused, never blocking), and the compile-time
// marking of rulesets that call http.
#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <thread>

#include "engine/krl/compiler.h"
#include "engine/krl/parser.h"
#include "engine/runtime/modules/runtime_modules.h"
#include "engine/runtime/outbound/http_request.h"
#include "engine/runtime/pico/io_pool.h"
#include "engine/runtime/rulesets/ruleset_registry.h"
#include "tests/integration/loopback_http_server.h"

using namespace spime;
using namespace spime::runtime;
using krl::Value;
using spime::integration::LoopbackHttpServer;
namespace http = boost::beast::http;

namespace {

Value parse(const std::string& json) {
  Value v;
  std::string err;
  REQUIRE(krl::parse_json(json, &v, &err));
  return v;
}

void answer(const LoopbackHttpServer::Request& req, LoopbackHttpServer::Response& res) {
  if (req.target == "/slow") std::this_thread::sleep_for(std::chrono::milliseconds(800));
  if (req.target == "/big") {
    res.body() = std::string(2000, 'x');
  } else if (req.target == "/big-chunked") {
    res.body() = std::string(2000, 'x');
    res.chunked(true);
  } else if (req.target == "/see-other") {
    res.result(http::status::see_other);
    res.set(http::field::location, "/echo");
  } else if (req.target == "/temp") {
    res.result(http::status::temporary_redirect);
    res.set(http::field::location, "echo");
  } else if (req.target == "/loop") {
    res.result(http::status::found);
    res.set(http::field::location, "/loop");
  } else {
    res.set("X-Multi", "a");
    res.insert("X-Multi", "b");
    res.body() = req.method + " " + req.body;
  }
}

HttpResponse must_send(HttpRequest req, HttpRequestOptions options = {}) {
  HttpResponse res;
  std::string err;
  INFO(req.method << " " << req.url);
  REQUIRE(send_http_request(req, options, &res, &err));
  return res;
}

std::string send_error(HttpRequest req, HttpRequestOptions options = {}) {
  HttpResponse res;
  std::string err;
  CHECK_FALSE(send_http_request(req, options, &res, &err));
  return err;
}

// Evaluates a KRL expression with the runtime's modules and no pico.
Value eval(const std::string& source) {
  krl::ParseError perr;
  auto e = krl::parse_expression(source, "test", &perr);
  REQUIRE(e);
  krl::CompileOptions options;
  options.host_modules = runtime_modules();
  std::vector<krl::CompileError> errors;
  auto compiled = krl::compile_expression(*e, options, &errors);
  REQUIRE(compiled);
  krl::EvalContext ctx;
  return compiled->evaluate(ctx);
}

std::string eval_error(const std::string& source) {
  try {
    eval(source);
  } catch (const krl::KrlError& e) {
    return e.message();
  }
  return "";
}

}  // namespace

TEST_CASE("http qs and form encoding follows the qs library", "[http]") {
  CHECK(http_query_string(parse(R"({"a":1})")) == "a=1");
  CHECK(http_query_string(parse(R"({"formkey":"formval","foo":["bar","baz"]})")) ==
        "formkey=formval&foo%5B0%5D=bar&foo%5B1%5D=baz");
  CHECK(http_query_string(parse(R"({"m":{"a":1,"b":[1,{"c":2}]}})")) ==
        "m%5Ba%5D=1&m%5Bb%5D%5B0%5D=1&m%5Bb%5D%5B1%5D%5Bc%5D=2");
  CHECK(http_query_string(parse(R"({"s":"a b+c/\u00fc!*()~'"})")) ==
        "s=a%20b%2Bc%2F%C3%BC%21%2A%28%29~%27");
  CHECK(http_query_string(parse(R"({"n":null,"t":true,"f":false,"e":[],"o":{},"x":1.5})")) ==
        "n=&t=true&f=false&x=1.5");
  CHECK(http_query_string(parse(R"({"k y&":"v=1"})")) == "k%20y%26=v%3D1");
  CHECK(http_query_string(parse(R"({"a":[null,"x"]})")) == "a%5B0%5D=&a%5B1%5D=x");
  CHECK(http_query_string(parse(R"([1,2])")) == "0=1&1=2");
  CHECK(http_query_string(Value("str")).empty());
  CHECK(http_query_string(Value()).empty());
}

TEST_CASE("send_http_request: one request with its whole response", "[http]") {
  LoopbackHttpServer web(answer);
  HttpRequest req;
  req.method = "POST";
  req.url = web.url("/echo");
  req.headers = {{"X-A", "1"}};
  req.has_body = true;
  req.body = "hello";
  HttpResponse res = must_send(req);
  CHECK(res.status == 200);
  CHECK(res.reason == "OK");
  CHECK(res.body == "POST hello");
  REQUIRE(res.header("x-multi"));
  CHECK(*res.header("x-multi") == "a, b");
  CHECK(web.last("/echo").header("x-a") == "1");
  CHECK(web.last("/echo").header("host") == "127.0.0.1:" + std::to_string(web.port()));

  HttpRequest head;
  head.method = "HEAD";
  head.url = web.url("/echo");
  res = must_send(head);
  CHECK(res.status == 200);
  CHECK(res.body.empty());

  // 303 turns a POST into a GET without a body; 307 repeats it (relative Location).
  req.url = web.url("/see-other");
  res = must_send(req);
  CHECK(res.body == "GET ");
  CHECK(res.url == web.url("/echo"));
  req.url = web.url("/temp");
  res = must_send(req);
  CHECK(res.body == "POST hello");

  // Not followed: the 3xx, its Location absolute.
  HttpRequestOptions manual;
  manual.follow_redirects = false;
  res = must_send(HttpRequest{"GET", web.url("/see-other"), {}, false, ""}, manual);
  CHECK(res.status == 303);
  REQUIRE(res.header("location"));
  CHECK(*res.header("location") == web.url("/echo"));

  CHECK(send_error(HttpRequest{"GET", web.url("/loop"), {}, false, ""}) ==
        "more than 20 redirects");
}

TEST_CASE("send_http_request: limits and refusals", "[http]") {
  LoopbackHttpServer web(answer);
  HttpRequestOptions small;
  small.max_response_bytes = 1000;
  CHECK(send_error(HttpRequest{"GET", web.url("/big"), {}, false, ""}, small) ==
        "response larger than 1000 bytes");
  CHECK(send_error(HttpRequest{"GET", web.url("/big-chunked"), {}, false, ""}, small) ==
        "response larger than 1000 bytes");
  HttpRequestOptions quick;
  quick.timeout = std::chrono::milliseconds(200);
  auto start = std::chrono::steady_clock::now();
  CHECK(send_error(HttpRequest{"GET", web.url("/slow"), {}, false, ""}, quick) ==
        "timed out after 200 ms");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(700));
  CHECK(send_error(HttpRequest{"GET", "ftp://127.0.0.1/x", {}, false, ""}) ==
        "unsupported url scheme ftp");
  CHECK(send_error(HttpRequest{"GET", "file:///etc/passwd", {}, false, ""}) ==
        "unsupported url scheme file");
}

TEST_CASE("http module: limits from the I/O pool, refused on a scheduler thread", "[http]") {
  LoopbackHttpServer web(answer);
  // Off any pool (krl run): the defaults, and it blocks the caller as asked.
  Value r = eval("http:get(\"" + web.url("/echo") + "\", {\"a\": [1]})");
  REQUIRE(r.is_map());
  CHECK(r.as_map().find("status_code")->as_number() == 200);
  CHECK(web.last("/echo").target == "/echo?a%5B0%5D=1");
  CHECK(eval_error("http:get()") == "http:get needs a url string");
  CHECK(eval_error("http:head(url = 3)") == "http:head was given 3 instead of a url string");

  // On a pool thread: its limits.
  IoPool::Options o;
  o.threads = 1;
  o.http_timeout = std::chrono::milliseconds(300);
  o.http_max_response_bytes = 100;
  IoPool pool(o);
  auto on_pool = [&](const std::string& src) {
    std::promise<std::string> p;
    pool.submit([&] { p.set_value(eval_error(src)); });
    return p.get_future().get();
  };
  CHECK(on_pool("http:get(\"" + web.url("/slow") + "\")") ==
        "http:get " + web.url("/slow") + ": timed out after 300 ms");
  CHECK(on_pool("http:get(\"" + web.url("/big") + "\")") ==
        "http:get " + web.url("/big") + ": response larger than 100 bytes");

  // A "scheduler thread" draining a pico: refused at once, and the pico is flagged.
  std::atomic<bool> wants_io{false};
  std::string refused;
  {
    ThreadRoleScope role(ThreadRole::kScheduler, &wants_io);
    refused = eval_error("http:get(\"" + web.url("/never") + "\")");
  }
  CHECK_THAT(refused, Catch::StartsWith("http:get " + web.url("/never") +
                                        ": not run on a scheduler thread"));
  CHECK(wants_io.load());
  CHECK(web.last("/never").method.empty());  // nothing was sent
}

TEST_CASE("rulesets that call http in rules or globals are marked for the I/O pool", "[http]") {
  RulesetRegistry registry(nullptr);
  // Only inside a function: found when it runs (the pico moves then), not marked.
  auto in_function =
      registry.register_source("mem://direct",
                               "ruleset t.direct { meta { provides f } global { f = function(u) "
                               "{ http:get(u) } } }");
  REQUIRE(in_function.ruleset);
  CHECK_FALSE(registry.needs_io_thread(*in_function.ruleset));
  auto user = registry.register_source(
      "mem://user",
      "ruleset t.user { meta { use module t.direct alias d } rule r { select when a b "
      "pre { x = d:f(\"u\") } } }");
  INFO(user.error);
  REQUIRE(user.ruleset);
  CHECK_FALSE(registry.needs_io_thread(*user.ruleset));
  auto plain = registry.register_source(
      "mem://plain", "ruleset t.plain { rule r { select when a b send_directive(\"x\") } }");
  REQUIRE(plain.ruleset);
  CHECK_FALSE(registry.needs_io_thread(*plain.ruleset));
  // An action in a rule, or a plain global, is marked.
  auto action = registry.register_source(
      "mem://action", "ruleset t.action { rule r { select when a b http:post(\"u\") } }");
  REQUIRE(action.ruleset);
  CHECK(registry.needs_io_thread(*action.ruleset));
  auto in_prelude = registry.register_source(
      "mem://prelude",
      "ruleset t.prelude { rule r { select when a b pre { r = http:get(\"u\") } } }");
  REQUIRE(in_prelude.ruleset);
  CHECK(registry.needs_io_thread(*in_prelude.ruleset));
}
