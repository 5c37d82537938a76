// How the client commands read their arguments: event types, JSON given
// inline or as @file, and KEY=VALUE lists. Each returns false with a
// one-line reason in *error (a usage error for the caller). Pure functions.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace spime::cli {

// A CLI11 check of an http:// or https:// URL as client::parse_url reads
// it (its message when it does not): --advertise, --public-url.
CLI::Validator http_url_check();

// "DOMAIN:TYPE", both non-empty.
bool split_event_type(const std::string& text, std::string* domain, std::string* type,
                      std::string* error);

// A JSON object given inline or as "@FILE" (the file's text); `what` names
// the option in the message.
bool json_object_argument(const std::string& text, const std::string& what, nlohmann::json* out,
                          std::string* error);

// KEY=VALUE items into a map: a VALUE that parses as JSON is that value
// (`n=5` is the number 5, `ok=true` true, `s="5"` the string "5"), any other
// is the string as given. A key is non-empty; a later key wins.
bool assignments(const std::vector<std::string>& items, nlohmann::json* out, std::string* error);

// A JSON value as a one-line cell: strings bare, null as "-", others as
// compact JSON.
std::string cell(const nlohmann::json& value);

// j[key] when j is an object and that is a string; "" otherwise.
std::string text_at(const nlohmann::json& j, const char* key);
// j[key] when j is an object that has it; null otherwise.
nlohmann::json member(const nlohmann::json& j, const char* key);

}  // namespace spime::cli
