// Local delivery records (runtime/records/local_delivery_records.h) against a
// real store: the key, the value's round trip, a scan in sending order that
// reports what does not parse, and which refusals keep a record.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "engine/runtime/records/local_delivery_records.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"
#include "tests/temp_dir.h"

using namespace spime;
using namespace spime::runtime;
namespace keys = spime::store::keys;
namespace records = spime::runtime::local_delivery_records;

namespace {

OutgoingEvent event(std::uint64_t seq, const std::string& eci, double n) {
  OutgoingEvent e;
  e.eci = eci;
  e.domain = "d";
  e.name = "n";
  e.attrs = krl::Value(krl::Map{{"n", krl::Value(n)}, {"s", "ü\"x"}});
  e.from_pico_id = "sender";
  e.local_seq = seq;
  return e;
}

}  // namespace

TEST_CASE("local delivery records: key and value round trip", "[runtime][local-delivery]") {
  CHECK(keys::local_delivery(42) == "v/00000000000000000042");
  std::uint64_t seq = 0;
  CHECK(keys::parse_local_delivery("v/00000000000000000042", &seq));
  CHECK(seq == 42);
  CHECK_FALSE(keys::parse_local_delivery("v/42", &seq));
  CHECK_FALSE(keys::parse_local_delivery("o/00000000000000000042", &seq));

  OutgoingEvent e = event(7, "eci1", 1.5);
  OutgoingEvent back;
  REQUIRE(records::decode_record(records::encode_record(e), &back));
  CHECK(back.eci == "eci1");
  CHECK(back.domain == "d");
  CHECK(back.name == "n");
  CHECK(back.from_pico_id == "sender");
  CHECK(krl::encode_json(back.attrs) == krl::encode_json(e.attrs));
  // Not an event: no attrs, a field of the wrong type, not JSON.
  CHECK_FALSE(records::decode_record(R"({"eci":"e","domain":"d","name":"n","from":""})", &back));
  CHECK_FALSE(
      records::decode_record(R"({"eci":1,"domain":"d","name":"n","from":"","attrs":{}})", &back));
  CHECK_FALSE(records::decode_record("nope", &back));
}

TEST_CASE("local delivery records: a scan visits them in sending order, skips bad ones",
          "[runtime][local-delivery]") {
  spime::testing::TempDir dir;
  std::string error;
  auto store = store::Store::open(dir.path() + "/data", {}, &error);
  REQUIRE(store);
  store::WriteBatch b;
  records::put(&b, event(10, "ten", 10));
  records::put(&b, event(2, "two", 2));
  records::put(&b, event(9, "nine", 9));
  b.put("v/00000000000000000005", "not a record");
  REQUIRE(store->write(b, &error));

  std::vector<std::string> seen, bad;
  auto scan = [&] {
    seen.clear();
    bad.clear();
    records::scan(
        *store, [&](OutgoingEvent&& e) { seen.push_back(std::to_string(e.local_seq) + e.eci); },
        [&](const std::string& key) { bad.push_back(key); });
  };
  scan();
  CHECK(seen == std::vector<std::string>{"2two", "9nine", "10ten"});
  CHECK(bad == std::vector<std::string>{"v/00000000000000000005"});

  store::WriteBatch erase;
  records::erase(&erase, 9);
  REQUIRE(store->write(erase, &error));
  scan();
  CHECK(seen == std::vector<std::string>{"2two", "10ten"});
}

TEST_CASE("local delivery records: only not-now refusals keep a record",
          "[runtime][local-delivery]") {
  CHECK(records::kept_for_later(api::Status::unavailable("busy")));
  CHECK(records::kept_for_later(api::Status(api::Status::Code::kStorageFull, "full")));
  CHECK_FALSE(records::kept_for_later(api::Status::not_found("gone")));
  CHECK_FALSE(records::kept_for_later(api::Status::permission_denied("policy")));
  CHECK_FALSE(records::kept_for_later(api::Status(api::Status::Code::kRuleError, "boom")));
  CHECK_FALSE(records::kept_for_later(api::Status::internal("x")));
}
