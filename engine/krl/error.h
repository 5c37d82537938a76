// Errors of the KRL language layer.
//
// Inside engine/krl/ a runtime error is thrown as KrlError and caught at the
// layer's border (evaluator entry points), where it becomes a value the caller
// inspects. Syntax errors are reported by the parser as ParseError values.
#pragma once

#include <stdexcept>
#include <string>

namespace spime::krl {

// A source position: 1-based line and column, and the byte offset.
struct Loc {
  int line = 0;
  int col = 0;
  int offset = 0;
};

// A KRL runtime error. `kind` is the JS-style error name the reference uses
// ("TypeError", "RangeError", "Error"); `message` is the text without position.
class KrlError : public std::runtime_error {
 public:
  KrlError(std::string message, std::string kind = "Error", Loc loc = {})
      : std::runtime_error(message),
        message_(std::move(message)),
        kind_(std::move(kind)),
        loc_(loc) {}

  const std::string& message() const { return message_; }
  const std::string& kind() const { return kind_; }
  const Loc& loc() const { return loc_; }
  void set_loc_if_unset(Loc loc) {
    if (loc_.line == 0) loc_ = loc;
  }

 private:
  std::string message_;
  std::string kind_;
  Loc loc_;
};

inline KrlError type_error(std::string message) {
  return KrlError(std::move(message), "TypeError");
}

}  // namespace spime::krl
