// fetch_url against a tiny Beast server on 127.0.0.1:0 (plain and TLS with a
// self-signed certificate made at test time), and the registry flushing an
// http url. No test needs the network.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "engine/runtime/outbound/url_fetch.h"
#include "engine/runtime/rulesets/ruleset_registry.h"

using namespace spime::runtime;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

const char* kRuleset = R"(ruleset fetched.rs { meta { shares hello } global { hello = 1 } })";

// A self-signed certificate for 127.0.0.1 and its key, as PEM.
struct SelfSigned {
  std::string cert_pem, key_pem;
  SelfSigned() {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    REQUIRE(key);
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
    X509_set_issuer_name(x, name);
    REQUIRE(X509_sign(x, key, EVP_sha256()) > 0);
    cert_pem = to_pem([&](BIO* b) { return PEM_write_bio_X509(b, x); });
    key_pem = to_pem([&](BIO* b) {
      return PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
    });
    X509_free(x);
    EVP_PKEY_free(key);
  }
  template <class Write>
  static std::string to_pem(Write write) {
    BIO* b = BIO_new(BIO_s_mem());
    REQUIRE(write(b) == 1);
    char* data = nullptr;
    long n = BIO_get_mem_data(b, &data);
    std::string out(data, static_cast<size_t>(n));
    BIO_free(b);
    return out;
  }
};

// Serves one request per connection, each on its own thread.
class TestServer {
 public:
  explicit TestServer(bool tls = false) : tls_(tls), acceptor_(ioc_) {
    if (tls_) {
      SelfSigned cert;
      ctx_.use_certificate_chain(asio::buffer(cert.cert_pem));
      ctx_.use_private_key(asio::buffer(cert.key_pem), ssl::context::pem);
    }
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { accept_loop(); });
  }
  ~TestServer() {
    stop_ = true;
    try {  // wake the blocking accept
      tcp::socket s(ioc_);
      s.connect(acceptor_.local_endpoint());
    } catch (...) {
    }
    accept_thread_.join();
    for (auto& t : conns_) t.join();
  }
  std::string url(const std::string& path) const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::atomic<int> requests{0};

 private:
  void accept_loop() {
    while (!stop_) {
      tcp::socket s(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      if (ec || stop_) break;
      conns_.emplace_back([this, sock = std::move(s)]() mutable { serve(std::move(sock)); });
    }
  }
  void serve(tcp::socket sock) {
    try {
      if (tls_) {
        ssl::stream<tcp::socket> s(std::move(sock), ctx_);
        s.handshake(ssl::stream_base::server);
        exchange(s);
        boost::system::error_code ec;
        s.shutdown(ec);
      } else {
        exchange(sock);
      }
    } catch (...) {  // the client went away (timeouts, refused certificates)
    }
  }
  template <class Stream>
  void exchange(Stream& s) {
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    http::read(s, buf, req);
    ++requests;
    std::string target(req.target());
    http::response<http::string_body> res{http::status::ok, 11};
    res.set(http::field::connection, "close");
    if (target == "/rs.krl") {
      res.body() = kRuleset;
    } else if (target == "/host") {
      res.body() = std::string(req[http::field::host]);
    } else if (target == "/redirect") {
      res.result(http::status::found);
      res.set(http::field::location, "rs.krl");  // relative
    } else if (target == "/redirect-abs") {
      res.result(http::status::moved_permanently);
      res.set(http::field::location, url("/redirect"));
    } else if (target == "/loop") {
      res.result(http::status::temporary_redirect);
      res.set(http::field::location, "/loop");
    } else if (target == "/to-file") {
      res.result(http::status::found);
      res.set(http::field::location, "file:///etc/passwd");
    } else if (target == "/slow") {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      res.body() = kRuleset;
    } else if (target == "/big") {
      res.body() = std::string(5000, 'x');
    } else if (target == "/big-chunked") {
      // No Content-Length: the limit must hold while the body streams.
      res.body() = std::string(5000, 'x');
      res.chunked(true);
    } else if (target == "/teapot") {
      res.result(418);
      res.reason("Short And Stout");
    } else {
      res.result(http::status::not_found);
      res.body() = "nope";
    }
    res.prepare_payload();
    http::write(s, res);
  }

  bool tls_;
  asio::io_context ioc_;
  ssl::context ctx_{ssl::context::tls_server};
  tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread accept_thread_;
  std::vector<std::thread> conns_;
};

std::string fetch_error(const std::string& url, const FetchOptions& o = FetchOptions()) {
  std::string body, err;
  CHECK_FALSE(fetch_url(url, &body, &err, o));
  CHECK(body.empty());
  return err;
}

}  // namespace

TEST_CASE("fetch_url gets a body over http", "[registry]") {
  TestServer server;
  std::string body, err;
  REQUIRE(fetch_url(server.url("/rs.krl"), &body, &err));
  CHECK(body == kRuleset);
  REQUIRE(fetch_url(server.url("/host"), &body, &err));
  CHECK(body == "127.0.0.1:" + server.url("").substr(server.url("").rfind(':') + 1));
  CHECK(is_http_url("HTTP://x/y"));
  CHECK(is_http_url("https://x/y"));
  CHECK_FALSE(is_http_url("file:///x"));
}

TEST_CASE("fetch_url reports status errors", "[registry]") {
  TestServer server;
  CHECK(fetch_error(server.url("/missing")) == "GET " + server.url("/missing") + ": 404 Not Found");
  CHECK(fetch_error(server.url("/teapot")) ==
        "GET " + server.url("/teapot") + ": 418 Short And Stout");
}

TEST_CASE("fetch_url follows redirects, at most max_redirects", "[registry]") {
  TestServer server;
  std::string body, err;
  REQUIRE(fetch_url(server.url("/redirect"), &body, &err));
  CHECK(body == kRuleset);
  REQUIRE(fetch_url(server.url("/redirect-abs"), &body, &err));
  CHECK(body == kRuleset);

  int before = server.requests;
  CHECK(fetch_error(server.url("/loop")) ==
        "GET " + server.url("/loop") + ": more than 5 redirects");
  CHECK(server.requests - before == 6);  // the first GET and 5 redirects

  FetchOptions none;
  none.max_redirects = 0;
  CHECK(fetch_error(server.url("/redirect"), none) ==
        "GET " + server.url("/redirect") + ": more than 0 redirects");
  // A web server cannot point the engine at local files.
  CHECK(fetch_error(server.url("/to-file")) ==
        "GET " + server.url("/to-file") +
            ": redirect to file:///etc/passwd: unsupported url scheme file");
}

TEST_CASE("fetch_url times out", "[registry]") {
  TestServer server;
  FetchOptions o;
  o.timeout = std::chrono::milliseconds(200);
  auto start = std::chrono::steady_clock::now();
  CHECK(fetch_error(server.url("/slow"), o) ==
        "GET " + server.url("/slow") + ": timed out after 200 ms");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(1000));
}

TEST_CASE("fetch_url limits the body", "[registry]") {
  TestServer server;
  FetchOptions o;
  o.max_body_bytes = 1000;
  CHECK(fetch_error(server.url("/big"), o) ==
        "GET " + server.url("/big") + ": response larger than 1000 bytes");
  CHECK(fetch_error(server.url("/big-chunked"), o) ==
        "GET " + server.url("/big-chunked") + ": response larger than 1000 bytes");
  std::string body, err;
  o.max_body_bytes = 5000;
  REQUIRE(fetch_url(server.url("/big-chunked"), &body, &err, o));
  CHECK(body.size() == 5000);
}

TEST_CASE("fetch_url refuses bad urls and unreachable hosts", "[registry]") {
  CHECK(fetch_error("http:///x") == "GET http:///x: url has no host");
  CHECK(fetch_error("http://u:p@127.0.0.1/x") ==
        "GET http://u:p@127.0.0.1/x: credentials in urls are not supported");
  CHECK(fetch_error("http://127.0.0.1:99999/x") ==
        "GET http://127.0.0.1:99999/x: invalid url port 99999");
  CHECK(fetch_error("http://127.0.0.1/a b") ==
        "GET http://127.0.0.1/a b: invalid url (spaces or control characters)");
  CHECK(fetch_error("ftp://127.0.0.1/x") == "GET ftp://127.0.0.1/x: unsupported url scheme ftp");

  // A port nobody listens on (bound then released).
  asio::io_context ioc;
  tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::string url = "http://127.0.0.1:" + std::to_string(a.local_endpoint().port()) + "/x";
  a.close();
  std::string err = fetch_error(url);
  CHECK(err.rfind("GET " + url + ": cannot connect to 127.0.0.1:", 0) == 0);
}

TEST_CASE("fetch_url over https verifies certificates unless told not to", "[registry]") {
  TestServer server(/*tls=*/true);
  // Self-signed: the system store does not trust it.
  std::string err = fetch_error(server.url("/rs.krl"));
  INFO(err);
  CHECK(err.rfind("GET " + server.url("/rs.krl") + ": TLS handshake with 127.0.0.1:", 0) == 0);
  CHECK(err.find("certificate verify failed") != std::string::npos);

  FetchOptions insecure;
  insecure.verify_certificates = false;
  std::string body;
  REQUIRE(fetch_url(server.url("/redirect"), &body, &err, insecure));
  CHECK(body == kRuleset);
  CHECK(fetch_error(server.url("/missing"), insecure) ==
        "GET " + server.url("/missing") + ": 404 Not Found");
}

TEST_CASE("the registry flushes rulesets from http urls", "[registry]") {
  TestServer server;
  RulesetRegistry registry(nullptr);
  auto r = registry.flush(server.url("/rs.krl"));
  INFO(r.error);
  REQUIRE(r.ruleset);
  CHECK(r.ruleset->rid == "fetched.rs");
  CHECK(r.ruleset->url == server.url("/rs.krl"));
  CHECK(registry.get_by_url(server.url("/rs.krl")) == r.ruleset);

  r = registry.flush(server.url("/missing"));
  CHECK_FALSE(r.ruleset);
  CHECK(r.error == "GET " + server.url("/missing") + ": 404 Not Found");
  r = registry.flush("gopher://x/y");
  CHECK(r.error == "cannot fetch gopher://x/y (only file://, http:// and https:// urls)");
}
