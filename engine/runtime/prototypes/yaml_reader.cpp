// The YAML reader of prototypes. See yaml_reader.h.
//
// Errors are thrown as a Failure inside this file and returned as a
// PrototypeError at read_prototype_yaml's border. Positions: yaml-cpp marks
// are 0-based; an empty value has no place of its own (yaml-cpp puts it
// where the next token is), so errors about it point at its key.
#include "engine/runtime/prototypes/yaml_reader.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <utility>
#include <vector>

namespace spime::runtime {

namespace {

using krl::Value;

struct Failure {
  SourcePos pos;
  std::string message;
};

[[noreturn]] void fail(SourcePos pos, std::string message) {
  throw Failure{pos, std::move(message)};
}

SourcePos at(const YAML::Node& n, SourcePos fallback) {
  const YAML::Mark m = n.Mark();
  if (m.line < 0 || m.column < 0) return fallback;
  return SourcePos{m.line + 1, m.column + 1};
}

std::string key_path(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string item_path(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// "path: message", or the message alone at the top.
std::string said(const std::string& path, const std::string& message) {
  return path.empty() ? message : path + ": " + message;
}

bool is_null(const YAML::Node& n) {
  return !n.IsDefined() || n.IsNull();
}

enum class NumberKind { kNot, kFinite, kNotFinite };

bool all_of(std::string_view s, int (*pred)(int)) {
  for (unsigned char c : s) {
    if (!pred(c)) return false;
  }
  return !s.empty();
}

int is_octal(int c) {
  return c >= '0' && c <= '7';
}

// A plain scalar as YAML 1.2's core schema reads numbers.
NumberKind yaml_number(const std::string& s, double* out) {
  std::string_view v = s;
  if (v.size() > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'o')) {
    const bool hex = v[1] == 'x';
    if (!all_of(v.substr(2), hex ? isxdigit : is_octal)) return NumberKind::kNot;
    *out = static_cast<double>(std::strtoull(s.c_str() + 2, nullptr, hex ? 16 : 8));
    return NumberKind::kFinite;
  }
  std::string_view body = v;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) body.remove_prefix(1);
  if (body == ".inf" || body == ".Inf" || body == ".INF") return NumberKind::kNotFinite;
  if (v == ".nan" || v == ".NaN" || v == ".NAN") return NumberKind::kNotFinite;
  // [0-9]+(\.[0-9]*)? | \.[0-9]+, then an optional exponent.
  std::size_t i = 0, digits = 0;
  while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i, ++digits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i, ++digits;
  }
  if (digits == 0) return NumberKind::kNot;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '-' || body[i] == '+')) ++i;
    if (!all_of(body.substr(i), isdigit)) return NumberKind::kNot;
    i = body.size();
  }
  if (i != body.size()) return NumberKind::kNot;
  *out = std::strtod(s.c_str(), nullptr);
  return std::isfinite(*out) ? NumberKind::kFinite : NumberKind::kNotFinite;
}

// One `key: value` of a map.
struct Entry {
  std::string key;
  SourcePos key_pos;
  YAML::Node value;
  SourcePos value_pos;  // the key's when the value is empty
  bool empty() const { return is_null(value); }
};

class Reader {
 public:
  // A scalar's value: null, boolean, number or string.
  Value scalar(const YAML::Node& n, const std::string& path, SourcePos fallback) {
    const std::string& tag = n.Tag();
    const std::string& s = n.Scalar();
    if (tag == "!" || tag == "tag:yaml.org,2002:str") return Value(s);
    if (tag != "?") {
      fail(at(n, fallback), said(path, "the YAML tag " + tag + " is not supported (only !!str)"));
    }
    if (s == "true" || s == "True" || s == "TRUE") return Value(true);
    if (s == "false" || s == "False" || s == "FALSE") return Value(false);
    double number = 0;
    switch (yaml_number(s, &number)) {
      case NumberKind::kFinite:
        return Value(number);
      case NumberKind::kNotFinite:
        fail(at(n, fallback), said(path, s + " is not a JSON number"));
      case NumberKind::kNot:
        break;
    }
    return Value(s);
  }

  // What a value is, for "expected X, not Y".
  std::string kind(const YAML::Node& n, const std::string& path, SourcePos fallback) {
    if (is_null(n)) return "nothing";
    if (n.IsSequence()) return "a list";
    if (n.IsMap()) return "a map";
    Value v = scalar(n, path, fallback);
    if (v.is_bool()) return "a boolean";
    if (v.is_number()) return "a number";
    return "a string";
  }

  [[noreturn]] void expected(const Entry& e, const std::string& path, const std::string& what) {
    fail(e.value_pos, said(path, "expected " + what + ", not " + kind(e.value, path, e.key_pos)));
  }

  // The entries of map `n`, in order. Keys are strings, unique, and among
  // `known` unless it is empty.
  std::vector<Entry> entries(const YAML::Node& n, const std::string& path, SourcePos fallback,
                             const std::vector<const char*>& known) {
    std::vector<Entry> out;
    for (auto it = n.begin(); it != n.end(); ++it) {
      count(fallback);
      const YAML::Node k = it->first;  // a copy: `->` hands out a temporary
      const SourcePos key_pos = at(k, at(n, fallback));
      if (!k.IsScalar()) fail(key_pos, said(path, "a key must be a string"));
      Entry e{k.Scalar(), key_pos, it->second, key_pos};
      if (!e.empty()) e.value_pos = at(e.value, key_pos);
      if (!known.empty()) {
        bool ok = false;
        std::string list;
        for (const char* name : known) {
          ok = ok || e.key == name;
          list += std::string(list.empty() ? "" : ", ") + name;
        }
        if (!ok) {
          fail(key_pos, said(path, "unknown key \"" + e.key + "\" (expected " + list + ")"));
        }
      }
      for (const Entry& before : out) {
        if (before.key == e.key) {
          fail(key_pos, said(path, "duplicate key \"" + e.key + "\" (also at line " +
                                       std::to_string(before.key_pos.line) + ")"));
        }
      }
      out.push_back(std::move(e));
    }
    return out;
  }

  // Any value, as KRL (JSON) sees it.
  Value value(const YAML::Node& n, const std::string& path, SourcePos fallback, int depth) {
    count(fallback);
    if (depth > kMaxValueDepth) {
      fail(at(n, fallback),
           said(path, "nested more than " + std::to_string(kMaxValueDepth) + " levels deep"));
    }
    if (is_null(n)) return Value();
    if (n.IsScalar()) return scalar(n, path, fallback);
    if (n.IsSequence()) {
      krl::Array a;
      std::size_t i = 0;
      for (auto it = n.begin(); it != n.end(); ++it, ++i) {
        a.push_back(value(*it, item_path(path, i), at(n, fallback), depth + 1));
      }
      return Value(std::move(a));
    }
    krl::Map m;
    for (const Entry& e : entries(n, path, fallback, {})) {
      m.set(e.key, value(e.value, key_path(path, e.key), e.value_pos, depth + 1));
    }
    return Value(std::move(m));
  }

  // ---- typed values of known keys ----

  // A non-blank string.
  Located<std::string> text(const Entry& e, const std::string& path) {
    if (e.empty() || !e.value.IsScalar()) expected(e, path, "a string");
    Value v = scalar(e.value, path, e.key_pos);
    if (!v.is_string()) expected(e, path, "a string");
    const std::string& s = v.as_string();
    if (s.find_first_not_of(" \t\r\n") == std::string::npos) {
      fail(e.value_pos, said(path, "must not be empty"));
    }
    return {s, e.value_pos};
  }

  Located<krl::Map> map(const Entry& e, const std::string& path) {
    if (!e.value.IsMap()) expected(e, path, "a map");
    return {value(e.value, path, e.key_pos, 1).as_map(), e.value_pos};
  }

  // A map, or (for schemas) a boolean.
  Located<Value> map_or_bool(const Entry& e, const std::string& path) {
    if (e.value.IsScalar()) {
      Value v = scalar(e.value, path, e.key_pos);
      if (v.is_bool()) return {v, e.value_pos};
    }
    if (!e.value.IsMap()) expected(e, path, "a map or a boolean");
    return {value(e.value, path, e.key_pos, 1), e.value_pos};
  }

  // The items of a list, each with its path.
  std::vector<std::pair<YAML::Node, std::string>> list(const Entry& e, const std::string& path) {
    if (!e.value.IsSequence()) expected(e, path, "a list");
    std::vector<std::pair<YAML::Node, std::string>> items;
    std::size_t i = 0;
    for (auto it = e.value.begin(); it != e.value.end(); ++it, ++i) {
      count(e.value_pos);
      items.emplace_back(*it, item_path(path, i));
    }
    return items;
  }

  // A list item that must be a map with the `known` keys.
  std::vector<Entry> item(const YAML::Node& n, const std::string& path, SourcePos fallback,
                          const std::vector<const char*>& known) {
    if (!n.IsMap()) {
      fail(at(n, fallback), said(path, "expected a map, not " + kind(n, path, fallback)));
    }
    return entries(n, path, fallback, known);
  }

  [[noreturn]] void missing(const YAML::Node& n, const std::string& path, SourcePos fallback,
                            const char* key) {
    fail(at(n, fallback), said(path, "missing key \"" + std::string(key) + "\""));
  }

 private:
  void count(SourcePos pos) {
    if (++values_ > kMaxValues) {
      fail(pos, "more than " + std::to_string(kMaxValues) + " values in one prototype");
    }
  }
  std::size_t values_ = 0;
};

// ---- the prototype's parts ----

ChannelDraft read_channel(Reader& r, const YAML::Node& n, const std::string& path,
                          SourcePos fallback) {
  ChannelDraft c;
  c.pos = at(n, fallback);
  bool named = false;
  for (const Entry& e :
       r.item(n, path, fallback,
              {"name", "tags", "event_policy", "query_policy", "attrs_schema", "rate_limit"})) {
    const std::string p = key_path(path, e.key);
    if (e.key == "name") {
      c.name = r.text(e, p);
      named = true;
    } else if (e.empty()) {
      continue;  // an optional key left empty
    } else if (e.key == "tags") {
      Located<std::vector<std::string>> tags{{}, e.value_pos};
      for (const auto& [tag, tag_path] : r.list(e, p)) {
        tags.value.push_back(
            r.text(Entry{"", e.value_pos, tag, at(tag, e.value_pos)}, tag_path).value);
      }
      c.tags = std::move(tags);
    } else if (e.key == "event_policy") {
      c.event_policy = Located<Value>{Value(r.map(e, p).value), e.value_pos};
    } else if (e.key == "query_policy") {
      c.query_policy = Located<Value>{Value(r.map(e, p).value), e.value_pos};
    } else if (e.key == "rate_limit") {
      c.rate_limit = Located<Value>{Value(r.map(e, p).value), e.value_pos};
    } else {
      c.attrs_schema = r.map_or_bool(e, p);
    }
  }
  if (!named) r.missing(n, path, fallback, "name");
  return c;
}

RulesetDraft read_ruleset(Reader& r, const YAML::Node& n, const std::string& path,
                          SourcePos fallback) {
  RulesetDraft d;
  d.pos = at(n, fallback);
  for (const Entry& e : r.item(n, path, fallback, {"rid", "url", "config"})) {
    const std::string p = key_path(path, e.key);
    if (e.key == "rid") {
      d.rid = r.text(e, p);
    } else if (e.key == "url") {
      d.url = r.text(e, p);
    } else if (!e.empty()) {
      d.config = r.map(e, p);
    }
  }
  if (d.rid.has_value() == d.url.has_value()) {
    fail(d.pos, path + ": give either \"rid\" (a registered ruleset) or \"url\", not " +
                    (d.rid ? "both" : "neither"));
  }
  return d;
}

PrototypeEvent read_event(Reader& r, const YAML::Node& n, const std::string& path,
                          SourcePos fallback) {
  PrototypeEvent ev;
  bool domain = false, type = false;
  for (const Entry& e : r.item(n, path, fallback, {"domain", "type", "attributes"})) {
    const std::string p = key_path(path, e.key);
    if (e.key == "domain") {
      ev.domain = r.text(e, p).value;
      domain = true;
    } else if (e.key == "type") {
      ev.type = r.text(e, p).value;
      type = true;
    } else if (!e.empty()) {
      ev.attributes = r.map(e, p).value;
    }
  }
  if (!domain) r.missing(n, path, fallback, "domain");
  if (!type) r.missing(n, path, fallback, "type");
  return ev;
}

PrototypeSubscription read_subscription(Reader& r, const YAML::Node& n, const std::string& path,
                                        SourcePos fallback) {
  PrototypeSubscription s;
  const std::vector<const char*> keys{"collection", "collection_role", "subscriber_role"};
  std::vector<bool> seen(keys.size(), false);
  for (const Entry& e : r.item(n, path, fallback, keys)) {
    const std::string p = key_path(path, e.key);
    std::string v = r.text(e, p).value;
    if (e.key == "collection") {
      s.collection = std::move(v);
      seen[0] = true;
    } else if (e.key == "collection_role") {
      s.collection_role = std::move(v);
      seen[1] = true;
    } else {
      s.subscriber_role = std::move(v);
      seen[2] = true;
    }
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (!seen[i]) r.missing(n, path, fallback, keys[i]);
  }
  return s;
}

// protocols: a non-empty list of "http" and "mqtt", each at most once.
Located<std::vector<std::string>> read_protocols(Reader& r, const Entry& e) {
  Located<std::vector<std::string>> out{{}, e.value_pos};
  for (const auto& [n, path] : r.list(e, "protocols")) {
    const SourcePos pos = at(n, e.value_pos);
    std::string p = r.text(Entry{"", e.value_pos, n, pos}, path).value;
    if (p != "http" && p != "mqtt") {
      fail(pos, path + ": unknown protocol \"" + p + "\" (expected http, mqtt)");
    }
    for (const std::string& before : out.value) {
      if (before == p) fail(pos, path + ": " + p + " is already listed");
    }
    out.value.push_back(std::move(p));
  }
  if (out.value.empty()) fail(e.value_pos, "protocols: list at least one of http, mqtt");
  return out;
}

TopicDraft read_topic(Reader& r, const YAML::Node& n, const std::string& path, SourcePos fallback) {
  TopicDraft t;
  t.pos = at(n, fallback);
  const std::vector<const char*> keys{"topic", "channel", "domain", "type"};
  std::vector<bool> seen(keys.size(), false);
  for (const Entry& e : r.item(n, path, fallback, keys)) {
    Located<std::string> v = r.text(e, key_path(path, e.key));
    if (e.key == "topic") {
      t.topic = v;
      t.value.topic = v.value;
      seen[0] = true;
    } else if (e.key == "channel") {
      t.channel = v;
      t.value.channel = v.value;
      seen[1] = true;
    } else if (e.key == "domain") {
      t.value.domain = v.value;
      seen[2] = true;
    } else {
      t.value.type = v.value;
      seen[3] = true;
    }
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (!seen[i]) r.missing(n, path, fallback, keys[i]);
  }
  return t;
}

// mqtt: {topics: [...], instructions: pattern}; topics unique by topic.
void read_mqtt(Reader& r, const Entry& e, PrototypeDraft* d) {
  if (!e.value.IsMap()) r.expected(e, "mqtt", "a map");
  d->mqtt = e.value_pos;
  for (const Entry& t : r.entries(e.value, "mqtt", e.value_pos, {"topics", "instructions"})) {
    if (t.empty()) continue;
    if (t.key == "instructions") {
      d->mqtt_instructions = r.text(t, "mqtt.instructions");
      continue;
    }
    for (const auto& [n, path] : r.list(t, "mqtt.topics")) {
      TopicDraft topic = read_topic(r, n, path, t.value_pos);
      for (const TopicDraft& before : d->mqtt_topics) {
        if (before.topic.value == topic.topic.value) {
          fail(topic.topic.pos, path + ".topic: duplicate topic \"" + topic.topic.value +
                                    "\" (also at line " + std::to_string(before.topic.pos.line) +
                                    ")");
        }
      }
      d->mqtt_topics.push_back(std::move(topic));
    }
  }
}

bool valid_name(const std::string& name) {
  if (name.empty() || name[0] == '.') return false;
  for (unsigned char c : name) {
    if (!std::isalnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

void read_top(Reader& r, const YAML::Node& doc, const std::string& file, PrototypeDraft* d) {
  const SourcePos top{1, 1};
  if (!doc.IsMap()) {
    fail(at(doc, top),
         "a prototype is a map (name, channels, rulesets, ...), not " + r.kind(doc, "", top));
  }
  bool named = false;
  std::vector<std::pair<std::string, SourcePos>> channel_names, collections;
  for (const Entry& e :
       r.entries(doc, "", top,
                 {"name", "description", "extends", "config", "channels", "rulesets",
                  "initialization", "subscriptions", "protocols", "mqtt"})) {
    const std::string& k = e.key;
    if (k == "name") {
      d->name = r.text(e, k);
      named = true;
    } else if (e.empty()) {
      continue;  // an optional key left empty
    } else if (k == "description") {
      d->description = r.text(e, k);
    } else if (k == "extends") {
      d->extends = r.text(e, k);
    } else if (k == "config") {
      d->config = r.map(e, k);
    } else if (k == "channels") {
      for (const auto& [n, path] : r.list(e, k)) {
        ChannelDraft c = read_channel(r, n, path, e.value_pos);
        for (const auto& [other, pos] : channel_names) {
          if (other == c.name.value) {
            fail(c.name.pos, path + ".name: duplicate channel \"" + other + "\" (also at line " +
                                 std::to_string(pos.line) + ")");
          }
        }
        channel_names.emplace_back(c.name.value, c.name.pos);
        d->channels.push_back(std::move(c));
      }
    } else if (k == "rulesets") {
      for (const auto& [n, path] : r.list(e, k)) {
        d->rulesets.push_back(read_ruleset(r, n, path, e.value_pos));
      }
    } else if (k == "initialization") {
      for (const auto& [n, path] : r.list(e, k)) {
        d->initialization.push_back(read_event(r, n, path, e.value_pos));
      }
    } else if (k == "protocols") {
      d->protocols = read_protocols(r, e);
    } else if (k == "mqtt") {
      read_mqtt(r, e, d);
    } else {  // subscriptions
      for (const auto& [n, path] : r.list(e, k)) {
        PrototypeSubscription s = read_subscription(r, n, path, e.value_pos);
        const SourcePos pos = at(n, e.value_pos);
        for (const auto& [other, other_pos] : collections) {
          if (other == s.collection) {
            fail(pos, path + ".collection: duplicate collection \"" + other + "\" (also at line " +
                          std::to_string(other_pos.line) + ")");
          }
        }
        collections.emplace_back(s.collection, pos);
        d->subscriptions.push_back(std::move(s));
      }
    }
  }
  if (!named) fail(at(doc, top), "missing key \"name\"");
  const std::string stem = std::filesystem::path(file).stem().string();
  if (!valid_name(d->name.value)) {
    fail(d->name.pos, "name: \"" + d->name.value +
                          "\" may hold only letters, digits, '.', '_' and '-' (not first '.')");
  }
  if (d->name.value != stem) {
    fail(d->name.pos,
         "name: \"" + d->name.value + "\" must be the file's name without .yaml, \"" + stem + "\"");
  }
}

// The documents of a stream: how many (0, 1, or 2 meaning "more than one")
// and where the second one's first node is. yaml-cpp 0.7's LoadAll loops
// forever, allocating, on some malformed streams (one that starts with
// ',': jbeder/yaml-cpp#1040): its parser hands back the same empty
// document again and again. So the documents are counted here, at most
// two, and, as yaml-cpp's own later fix (#1319) does, an empty document
// (a null root) ends the stream.
class DocumentCount final : public YAML::EventHandler {
 public:
  int documents = 0;
  bool empty_root = false;
  SourcePos second{1, 1};

  void OnDocumentStart(const YAML::Mark&) override { first_node_ = true; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override {
    if (first_node_) empty_root = true;
    node(m);
  }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { node(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                const std::string&) override {
    node(m);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    node(m);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    node(m);
  }
  void OnMapEnd() override {}

 private:
  void node(const YAML::Mark& m) {
    if (first_node_ && documents == 1 && m.line >= 0 && m.column >= 0) {
      second = SourcePos{m.line + 1, m.column + 1};
    }
    first_node_ = false;
  }
  bool first_node_ = false;
};

DocumentCount count_documents(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentCount count;
  while (count.documents < 2 && parser.HandleNextDocument(count) && !count.empty_root) {
    ++count.documents;
  }
  return count;
}

}  // namespace

bool read_prototype_yaml(const std::string& file, const std::string& base_dir,
                         std::string_view text, PrototypeDraft* out, PrototypeError* error) {
  *out = PrototypeDraft{};
  out->file = file;
  out->base_dir = base_dir;
  if (text.size() > kMaxPrototypeBytes) {
    *error = out->error({1, 1}, "larger than " + std::to_string(kMaxPrototypeBytes) + " bytes");
    return false;
  }
  try {
    const std::string source(text);
    const DocumentCount count = count_documents(source);
    if (count.documents == 0) {
      *error = out->error({1, 1}, "empty: a prototype is a map (name, channels, rulesets, ...)");
      return false;
    }
    if (count.documents > 1) {
      *error =
          out->error(count.second, "one prototype per file: a second YAML document begins here");
      return false;
    }
    Reader reader;
    read_top(reader, YAML::Load(source), file, out);
    return true;
  } catch (const Failure& f) {
    *error = out->error(f.pos, f.message);
  } catch (const YAML::Exception& e) {
    const SourcePos pos =
        e.mark.line < 0 ? SourcePos{1, 1} : SourcePos{e.mark.line + 1, e.mark.column + 1};
    *error = out->error(pos, "YAML: " + e.msg);
  }
  return false;
}

}  // namespace spime::runtime
