#include "cli/arguments.h"

#include "channels/client/http_client.h"
#include "cli/command.h"

namespace spime::cli {

CLI::Validator http_url_check() {
  return CLI::Validator(
      [](std::string& text) {
        client::Url url;
        std::string error;
        return client::parse_url(text, &url, &error) ? std::string() : error;
      },
      "", "url");
}

using json = nlohmann::json;

bool split_event_type(const std::string& text, std::string* domain, std::string* type,
                      std::string* error) {
  const auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    *error = "the event type must be DOMAIN:TYPE (got '" + text + "')";
    return false;
  }
  *domain = text.substr(0, colon);
  *type = text.substr(colon + 1);
  return true;
}

bool json_object_argument(const std::string& text, const std::string& what, json* out,
                          std::string* error) {
  const bool from_file = !text.empty() && text[0] == '@';
  std::string source = text;
  if (from_file) {
    if (!read_file(text.substr(1), &source, error)) {
      *error = what + ": " + *error;
      return false;
    }
  }
  json parsed = json::parse(source, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    *error = what + " must be a JSON object" + (from_file ? " (in " + text.substr(1) + ")" : "");
    return false;
  }
  *out = std::move(parsed);
  return true;
}

bool assignments(const std::vector<std::string>& items, json* out, std::string* error) {
  json map = json::object();
  for (const std::string& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      *error = "expected KEY=VALUE, got '" + item + "'";
      return false;
    }
    const std::string value = item.substr(eq + 1);
    json parsed = json::parse(value, nullptr, /*allow_exceptions=*/false);
    map[item.substr(0, eq)] = parsed.is_discarded() ? json(value) : std::move(parsed);
  }
  *out = std::move(map);
  return true;
}

std::string text_at(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

json member(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it != j.end() ? *it : json();
}

std::string cell(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "-";
  return value.dump();
}

}  // namespace spime::cli
