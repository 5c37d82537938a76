// A slot's records (engine/runtime/cluster/slot_records.h): what a move
// carries from one engine's store to another's. Collected from a real
// engine's data directory, written into another's, and read back there
// through the engine; and the decoder refuses what the encoder never wrote.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>

#include "engine/cluster/slots.h"
#include "engine/krl/stdlib/digest.h"
#include "engine/runtime/cluster/slot_records.h"
#include "engine/runtime/engine.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"
#include "tests/runtime/engine_calls.h"
#include "tests/temp_dir.h"

namespace fs = std::filesystem;
using spime::krl::Array;
using spime::krl::Map;
using spime::krl::Value;
using spime::runtime::Engine;
using spime::runtime::EngineOptions;
using spime::runtime::SlotRecords;
using spime::runtime::testing::must_event;
using spime::runtime::testing::query;
using spime::testing::TempDir;

namespace {

const char* kCounter = R"krl(
ruleset it.slot.counter {
  meta { shares hits }
  global { hits = function() { ent:hits.defaultsTo(0) } }
  rule inc {
    select when counter inc
    always { ent:hits := hits() + 1 }
  }
}
)krl";

std::unique_ptr<Engine> open_engine(const std::string& data, const std::string& rulesets) {
  EngineOptions options;
  options.data_dir = data;
  options.rulesets_dir = rulesets;
  std::string err;
  auto engine = Engine::open(options, &err);
  INFO(err);
  REQUIRE(engine);
  return engine;
}

// A child of the root with the counter installed, counted to 3; the ECI of
// a channel of its that allows everything.
std::string counted_child(Engine& e, const std::string& counter_url) {
  must_event(e, e.owner_eci(), "wrangler", "new_child_request", Map{{"name", "moved"}});
  auto pico = query(e, e.owner_eci(), "io.picolabs.pico-engine-ui", "pico");
  REQUIRE(pico.ok());
  const Value* children = pico.value().as_map().find("children");
  REQUIRE(children);
  REQUIRE(children->as_array().size() == 1);
  const std::string ui = children->as_array()[0].as_string();
  // A channel that lets the counter's event and query through.
  Map events{{"allow", Value(Array{Value(Map{{"domain", "*"}, {"name", "*"}})})},
             {"deny", Value(Array{})}};
  Map queries{{"allow", Value(Array{Value(Map{{"rid", "*"}, {"name", "*"}})})},
              {"deny", Value(Array{})}};
  must_event(e, ui, "engine_ui", "new_channel",
             Map{{"tags", Value(Array{Value("test")})},
                 {"eventPolicy", Value(events)},
                 {"queryPolicy", Value(queries)}});
  auto own = query(e, ui, "io.picolabs.pico-engine-ui", "pico");
  REQUIRE(own.ok());
  std::string eci;
  for (const Value& c : own.value().as_map().find("channels")->as_array()) {
    const Value* tags = c.as_map().find("tags");
    if (tags->as_array().size() == 1 && tags->as_array()[0].as_string() == "test") {
      eci = c.as_map().find("id")->as_string();
    }
  }
  REQUIRE(!eci.empty());
  must_event(e, eci, "wrangler", "install_ruleset_request", Map{{"url", counter_url}});
  for (int i = 0; i < 3; ++i) must_event(e, eci, "counter", "inc");
  return eci;
}

std::string b64(const std::string& s) {
  return spime::krl::stdlib::base64_encode(s);
}

}  // namespace

TEST_CASE("a slot's records, moved from one store to another, are the same picos there",
          "[runtime][cluster]") {
  TempDir dir;
  const fs::path rulesets = fs::path(dir.path()) / "rulesets";
  fs::create_directories(rulesets);
  fs::copy(SPIME_SOURCE_DIR "/rulesets", rulesets, fs::copy_options::recursive);
  const std::string counter = (fs::path(dir.path()) / "it.slot.counter.krl").string();
  std::ofstream(counter) << kCounter;
  const std::string a_dir = (fs::path(dir.path()) / "a").string();
  const std::string b_dir = (fs::path(dir.path()) / "b").string();

  std::string ui;
  {
    auto a = open_engine(a_dir, rulesets.string());
    ui = counted_child(*a, "file://" + counter);
  }
  const auto slot = spime::cluster::slot_of_eci(ui);
  REQUIRE(slot);

  SlotRecords moved;
  {
    std::string why;
    auto store = spime::store::Store::open(a_dir, {}, &why);
    INFO(why);
    REQUIRE(store);
    const std::vector<std::string> picos = spime::runtime::picos_in_slot(*store, *slot);
    REQUIRE(picos.size() == 1);
    moved = spime::runtime::collect_slot(*store, *slot, picos);
  }
  std::set<char> families;
  for (const auto& [k, v] : moved.records) {
    CHECK(spime::store::keys::movable_key(k));
    families.insert(k[0]);
  }
  for (char f : {'p', 'z', 'c', 'h', 'i', 'e', 'g', 'n'}) {
    INFO(f);
    CHECK(families.count(f) == 1);
  }
  REQUIRE(moved.rulesets.size() >= 2);  // the counter and the rulesets a new child gets
  bool has_counter = false;
  for (const auto& rs : moved.rulesets) has_counter |= rs.rid == "it.slot.counter";
  CHECK(has_counter);

  // Through the format, as between engines.
  SlotRecords decoded;
  std::string error;
  REQUIRE(spime::runtime::decode_slot_records(spime::runtime::encode_slot_records(moved), &decoded,
                                              &error));
  CHECK(decoded.slot == *slot);
  CHECK(decoded.picos == moved.picos);
  CHECK(decoded.records == moved.records);

  // Into b's store (b knows the counter: it is in b's rulesets folder).
  fs::copy_file(counter, rulesets / "it.slot.counter.krl");
  { open_engine(b_dir, rulesets.string()); }
  {
    std::string why;
    auto store = spime::store::Store::open(b_dir, {}, &why);
    INFO(why);
    REQUIRE(store);
    // As an exporter of schema 2 sent them (no slot entries): the import
    // writes the entries itself.
    SlotRecords old_format = decoded;
    old_format.records.erase(
        std::remove_if(old_format.records.begin(), old_format.records.end(),
                       [](const auto& kv) { return kv.first.rfind("z/", 0) == 0; }),
        old_format.records.end());
    REQUIRE(old_format.records.size() == decoded.records.size() - 1);
    spime::store::WriteBatch batch;
    spime::runtime::put_slot_records(old_format, &batch);
    REQUIRE(store->write(batch, &error));
  }
  {
    std::string why;
    auto store = spime::store::Store::open(b_dir, {}, &why);
    REQUIRE(store);
    CHECK(spime::runtime::picos_in_slot(*store, *slot) == moved.picos);  // its slot entry came
  }
  auto b = open_engine(b_dir, rulesets.string());
  auto hits = query(*b, ui, "it.slot.counter", "hits");
  INFO((hits.ok() ? "" : hits.status().to_string()));
  REQUIRE(hits.ok());
  CHECK(spime::krl::equal(hits.value(), Value(3)));
  must_event(*b, ui, "counter", "inc");
  CHECK(spime::krl::equal(query(*b, ui, "it.slot.counter", "hits").value(), Value(4)));
}

TEST_CASE("slot records that encode_slot_records did not write are refused", "[runtime][cluster]") {
  const std::string pico_key = spime::store::keys::pico("P1");
  const std::string good_record = "[\"" + b64(pico_key) + "\",\"" + b64("{}") + "\"]";
  auto doc = [](const std::string& slot, const std::string& records) {
    return "{\"format\":\"spime-slot-1\",\"slot\":" + slot +
           ",\"picos\":[\"P1\"],\"rulesets\":[],\"records\":[" + records + "]}";
  };
  SlotRecords out;
  std::string error;
  REQUIRE(spime::runtime::decode_slot_records(doc("\"3a7\"", good_record), &out, &error));
  CHECK(out.slot == 0x3a7);
  CHECK(out.records.size() == 1);

  const std::vector<std::string> bad = {
      "",
      "[]",
      "{\"format\":\"other\"}",
      doc("\"3A7\"", good_record),                    // the slot's digits are lower-case
      doc("\"1000\"", good_record),                   // 4 digits
      doc("7", good_record),                          // not text
      doc("\"3a7\"", "[\"%%%\",\"e30=\"]"),           // not base64
      doc("\"3a7\"", "[\"" + b64(pico_key) + "\"]"),  // no value
      doc("\"3a7\"", "[\"" + b64("m/root_pico") + "\",\"" + b64("x") + "\"]"),  // meta
      doc("\"3a7\"", "[\"" + b64("o/host") + "\",\"" + b64("x") + "\"]"),       // the outbox
      "{\"format\":\"spime-slot-1\",\"slot\":\"3a7\",\"picos\":[7],\"rulesets\":[],"
      "\"records\":[]}",
      "{\"format\":\"spime-slot-1\",\"slot\":\"3a7\",\"picos\":[],\"rulesets\":[{\"rid\":1}],"
      "\"records\":[]}",
  };
  for (const std::string& text : bad) {
    INFO(text);
    error.clear();
    CHECK_FALSE(spime::runtime::decode_slot_records(text, &out, &error));
    CHECK_FALSE(error.empty());
  }
}

TEST_CASE("a pico's slot entry follows its record: moved to another slot, erased with it",
          "[runtime][cluster]") {
  TempDir dir;
  const fs::path rulesets = fs::path(dir.path()) / "rulesets";
  fs::create_directories(rulesets);
  fs::copy(SPIME_SOURCE_DIR "/rulesets", rulesets, fs::copy_options::recursive);
  const std::string counter = (fs::path(dir.path()) / "it.slot.counter.krl").string();
  std::ofstream(counter) << kCounter;
  const std::string data = (fs::path(dir.path()) / "a").string();
  std::string ui;
  { ui = counted_child(*open_engine(data, rulesets.string()), "file://" + counter); }
  const auto slot = spime::cluster::slot_of_eci(ui);
  REQUIRE(slot);
  const spime::cluster::Slot other = static_cast<spime::cluster::Slot>((*slot + 1) % 4096);

  std::string why;
  auto store = spime::store::Store::open(data, {}, &why);
  INFO(why);
  REQUIRE(store);
  const std::vector<std::string> picos = spime::runtime::picos_in_slot(*store, *slot);
  REQUIRE(picos.size() == 1);
  CHECK(spime::runtime::picos_in_slot(*store, other).empty());

  // A pico's move puts it in another slot: its entry moves with its record.
  SlotRecords records = spime::runtime::collect_slot(*store, *slot, picos);
  std::string error;
  REQUIRE(spime::runtime::reslot_pico(&records, picos[0], other, &error));
  CHECK(spime::runtime::record_slot(records, picos[0]) == other);
  std::size_t entries = 0;
  for (const auto& [k, v] : records.records) {
    std::string in_slot, id;
    if (spime::store::keys::parse_slot_member(k, &in_slot, &id)) {
      ++entries;
      CHECK(in_slot == spime::cluster::slot_text(other));
      CHECK(id == picos[0]);
    }
  }
  CHECK(entries == 1);

  // Schema 2 had no entries: the upgrade at open writes them.
  {
    spime::store::WriteBatch batch;
    batch.erase(spime::store::keys::slot_member(spime::cluster::slot_text(*slot), picos[0]));
    batch.put(spime::store::keys::schema_version(), "2");
    REQUIRE(store->write(batch, &error));
    REQUIRE(spime::runtime::picos_in_slot(*store, *slot).empty());
    store.reset();
  }
  {
    auto e = open_engine(data, rulesets.string());
    CHECK(spime::krl::equal(query(*e, ui, "it.slot.counter", "hits").value(), Value(3)));
  }
  store = spime::store::Store::open(data, {}, &why);
  REQUIRE(store);
  CHECK(spime::runtime::picos_in_slot(*store, *slot) == picos);
  store.reset();
  // Deleted with the pico.
  {
    auto e = open_engine(data, rulesets.string());
    must_event(*e, e->owner_eci(), "wrangler", "child_deletion_request", Map{{"name", "moved"}});
  }
  store = spime::store::Store::open(data, {}, &why);
  REQUIRE(store);
  CHECK(spime::runtime::picos_in_slot(*store, *slot).empty());
  std::string ignored;
  CHECK(!store->get(spime::store::keys::pico(picos[0]), &ignored));
}
