#include "engine/runtime/outbound/url_fetch.h"

#include "engine/krl/ascii.h"
#include "engine/runtime/outbound/http_request.h"

namespace spime::runtime {

bool is_http_url(const std::string& url) {
  std::string head = krl::lower_ascii(url.substr(0, 8));
  return head.rfind("http://", 0) == 0 || head.rfind("https://", 0) == 0;
}

bool fetch_url(const std::string& url, std::string* body, std::string* error,
               const FetchOptions& options) {
  HttpRequest request;
  request.url = url;
  request.headers = {{"User-Agent", "spime"}, {"Accept", "*/*"}};
  HttpRequestOptions o;
  o.timeout = options.timeout;
  o.max_response_bytes = options.max_body_bytes;
  o.max_redirects = options.max_redirects;
  o.verify_certificates = options.verify_certificates;
  HttpResponse response;
  std::string err;
  if (!send_http_request(request, o, &response, &err)) {
    *error = "GET " + url + ": " + err;
    return false;
  }
  if (response.status < 200 || response.status >= 300) {
    *error = "GET " + response.url + ": " + status_line(response);
    return false;
  }
  *body = std::move(response.body);
  return true;
}

}  // namespace spime::runtime
