// Status: the one error vocabulary of the engine (as LevelDB's leveldb::Status).
//
// Every runtime outcome that can fail (an event, a query, a nested call
// between picos, admission, a commit) carries a Status: a code that says what
// kind of failure it is and a message for people. Callers branch on the code,
// never on the text. The HTTP layer maps codes to statuses and adds the
// reference's JavaScript-style "Error: " prefix in ONE place
// (channels/http_response.cpp); nothing inside the engine knows HTTP.
//
//   code               meaning                                      HTTP
//   kOk                success                                      200
//   kInvalidArgument   bad input (missing field, attributes that    400
//                      fail the channel's schema, bad JSON)
//   kPermissionDenied  the channel's policy refuses it              403
//   kNotFound          unknown ECI, pico, ruleset or function       404
//   kConflict          refused because of what the call is, not     409
//                      its input (an event to the calling pico)
//   kUnavailable       overloaded or shutting down: retry later     503 + Retry-After
//   kRateLimited       the channel's rate limit refuses it: retry   429 + Retry-After
//                      after retry_after_ms (the sender, not the
//                      engine, is over its share)
//   kRuleError         a ruleset failed while running, or ran past  500
//                      its time budget (engine/runtime/limits.h:
//                      the same run would fail again, so not 503,
//                      which senders such as the outbox retry)
//   kInternal          the engine failed (store I/O, corruption)    500
//
// `pointer` is set only by attribute-schema refusals: the JSON Pointer
// (RFC 6901) of the offending attribute, answered as {"path": ...}.
// `retry_after_ms` only by kRateLimited: when a try may succeed.
//
// Plain value type; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace spime::api {

class Status {
 public:
  enum class Code {
    kOk,
    kInvalidArgument,
    kPermissionDenied,
    kNotFound,
    kConflict,
    kUnavailable,
    kRateLimited,
    kRuleError,
    kInternal,
    kStorageFull,  // the store's disk is full: nothing was written (507)
  };

  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return Status(); }
  static Status invalid_argument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status permission_denied(std::string m) { return {Code::kPermissionDenied, std::move(m)}; }
  static Status not_found(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status conflict(std::string m) { return {Code::kConflict, std::move(m)}; }
  static Status unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status rate_limited(std::string m, std::int64_t retry_after_ms) {
    Status s(Code::kRateLimited, std::move(m));
    s.retry_after_ms_ = retry_after_ms;
    return s;
  }
  static Status rule_error(std::string m) { return {Code::kRuleError, std::move(m)}; }
  static Status internal(std::string m) { return {Code::kInternal, std::move(m)}; }
  static Status storage_full(std::string m) { return {Code::kStorageFull, std::move(m)}; }

  bool is_ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  const std::string& pointer() const { return pointer_; }
  std::int64_t retry_after_ms() const { return retry_after_ms_; }
  Status& with_pointer(std::string p) {
    pointer_ = std::move(p);
    return *this;
  }

  // "NotFound: ECI not found abc", for logs and tests.
  std::string to_string() const;
  // What another spime engine's HTTP answer `http_status` (not 2xx) says,
  // read back through the table above: 400, 403, 404, 409, 429, 503 and
  // 507 by their code; 500 and any other 5xx kInternal; any other 4xx
  // kInvalidArgument. For the clients of other engines (the cluster's
  // movers, remote queries).
  static Status from_http(int http_status, std::string message);
  static const char* code_name(Code code);

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::string pointer_;
  std::int64_t retry_after_ms_ = 0;
};

inline const char* Status::code_name(Code code) {
  switch (code) {
    case Code::kOk:
      return "OK";
    case Code::kInvalidArgument:
      return "InvalidArgument";
    case Code::kPermissionDenied:
      return "PermissionDenied";
    case Code::kNotFound:
      return "NotFound";
    case Code::kConflict:
      return "Conflict";
    case Code::kUnavailable:
      return "Unavailable";
    case Code::kRateLimited:
      return "RateLimited";
    case Code::kRuleError:
      return "RuleError";
    case Code::kInternal:
      return "Internal";
    case Code::kStorageFull:
      return "StorageFull";
  }
  return "Unknown";
}

inline Status Status::from_http(int http_status, std::string message) {
  switch (http_status) {
    case 400:
      return invalid_argument(std::move(message));
    case 403:
      return permission_denied(std::move(message));
    case 404:
      return not_found(std::move(message));
    case 409:
      return conflict(std::move(message));
    case 429:
      return Status(Code::kRateLimited, std::move(message));
    case 503:
      return unavailable(std::move(message));
    case 507:
      return storage_full(std::move(message));
    default:
      return http_status >= 500 ? internal(std::move(message))
                                : invalid_argument(std::move(message));
  }
}

inline std::string Status::to_string() const {
  if (is_ok()) return "OK";
  return std::string(code_name(code_)) + ": " + message_;
}

// A value or a (non-ok) Status.
template <class T>
class Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Status status) : v_(std::in_place_index<1>, std::move(status)) {}

  bool ok() const { return v_.index() == 0; }
  const T& value() const { return std::get<0>(v_); }
  T& value() { return std::get<0>(v_); }
  const Status& status() const { return std::get<1>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace spime::api
