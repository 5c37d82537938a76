// bare_responder: the machine's HTTP ceiling for BENCHMARKS.md.
//
// A Beast async server with the same threading as spime's HttpServer (one
// io_context run by N threads, one strand per connection, keep-alive) that
// answers every request with the same small JSON body and does nothing else.
//
//   bare_responder [--port N] [--threads N] [--host ADDR]
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

const char kBody[] = R"({"eid":"bare","directives":[]})";

class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket&& socket) : stream_(std::move(socket)) {}
  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
  }

 private:
  void read() {
    req_ = {};
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, req_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->close();
                       self->respond();
                     });
  }
  void respond() {
    res_ = {http::status::ok, req_.version()};
    res_.set(http::field::content_type, "application/json; charset=utf-8");
    res_.body() = kBody;
    res_.keep_alive(req_.keep_alive());
    res_.prepare_payload();
    http::async_write(stream_, res_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec || !self->res_.keep_alive()) return self->close();
                        self->read();
                      });
  }
  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
};

void accept(tcp::acceptor& acceptor, net::io_context& ioc) {
  acceptor.async_accept(net::make_strand(ioc),
                        [&acceptor, &ioc](beast::error_code ec, tcp::socket socket) {
                          if (!ec) std::make_shared<Session>(std::move(socket))->start();
                          accept(acceptor, ioc);
                        });
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;
  int threads = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--port") {
      port = static_cast<unsigned short>(std::atoi(argv[i + 1]));
    } else if (flag == "--threads") {
      threads = std::max(1, std::atoi(argv[i + 1]));
    } else if (flag == "--host") {
      host = argv[i + 1];
    } else {
      std::fprintf(stderr, "usage: bare_responder [--port N] [--threads N] [--host ADDR]\n");
      return 2;
    }
  }
  try {
    net::io_context ioc;
    tcp::acceptor acceptor(net::make_strand(ioc), {net::ip::make_address(host), port});
    std::printf("bare_responder listening on %s:%u with %d threads\n", host.c_str(),
                acceptor.local_endpoint().port(), threads);
    std::fflush(stdout);
    accept(acceptor, ioc);
    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
    for (auto& t : pool) t.join();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bare_responder: %s\n", e.what());
    return 1;
  }
  return 0;
}
