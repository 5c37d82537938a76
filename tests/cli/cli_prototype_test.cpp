// `spime pico new NAME --prototype P` for each shipped prototype: it prints
// the new pico's id and, for a device, its full heartbeat URL; `pico show`
// lists the prototype's rulesets and channels; a heartbeat posted to the
// printed URL, as the sensor would, is accepted.
#include <catch2/catch.hpp>

#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/cli/cli_fixture.h"

using namespace spime::cli_test;

namespace {

// The value of a "  <label>  <value>" line of `pico new`'s output; "" when none.
std::string field(const std::string& out, const std::string& label) {
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    const std::string head = "  " + label + " ";
    if (line.rfind(head, 0) != 0) continue;
    const std::size_t value = line.find_first_not_of(' ', head.size());
    return value == std::string::npos ? "" : line.substr(value);
  }
  return "";
}

std::set<std::string> rids_of(const json& shown) {
  std::set<std::string> rids;
  for (const auto& r : shown.at("rulesets")) rids.insert(r.at("rid").get<std::string>());
  return rids;
}

std::set<std::string> channel_tags(const json& shown) {
  std::set<std::string> tags;
  for (const auto& c : shown.at("channels")) {
    std::string joined;
    for (const auto& t : c.at("tags")) joined += (joined.empty() ? "" : ",") + t.get<std::string>();
    tags.insert(joined);
  }
  return tags;
}

struct Shipped {
  std::string prototype;
  std::set<std::string> rulesets;  // beyond the Pico OS ones
  std::set<std::string> channels;  // tags, beyond the Pico OS ones
  std::string heartbeat;           // a payload to post; "" for no heartbeat URL
  std::vector<std::string> directives;
};

const std::set<std::string> kPicoOs = {"io.picolabs.pico-engine-ui", "io.picolabs.wrangler",
                                       "io.picolabs.subscription"};
const std::set<std::string> kOsChannels = {"system,self", "system,child", "wellknown_rx,tx_rx",
                                           "engine,ui", "spime-cli"};

}  // namespace

TEST_CASE("pico new --prototype: each shipped prototype makes a working pico", "[cli]") {
  CliServer s;
  const std::vector<Shipped> shipped = {
      {"esproto-temp",
       {"esproto_router", "esproto_device"},
       {"esproto,transducer", "esproto,query"},
       "temp-hot.json",
       {"threshold_violation"}},
      {"esproto-msa",
       {"esproto_router", "esproto_device"},
       {"esproto,transducer", "esproto,query"},
       "msa.json",
       {}},
      // The base: both rulesets, no thresholds, so a hot heartbeat is no violation.
      {"esproto-device",
       {"esproto_router", "esproto_device"},
       {"esproto,transducer", "esproto,query"},
       "temp-hot.json",
       {}},
      {"collection", {"spimes_collection"}, {"collection,query", "spimes,collection"}, "", {}},
  };
  for (const Shipped& p : shipped) {
    INFO("prototype " << p.prototype);
    const std::string name = "made-" + p.prototype;
    Run r = s.expect(0, {"pico", "new", name, "--prototype", p.prototype});
    CHECK_THAT(r.out, Catch::StartsWith("made pico Pico/" + name + "\n"));
    const std::string id = field(r.out, "id");
    CHECK(!id.empty());
    const json shown = s.expect_json({"pico", "show", name});
    CHECK(shown.at("id") == id);
    std::set<std::string> rids = kPicoOs;
    rids.insert(p.rulesets.begin(), p.rulesets.end());
    CHECK(rids_of(shown) == rids);
    std::set<std::string> tags = kOsChannels;
    tags.insert(p.channels.begin(), p.channels.end());
    CHECK(channel_tags(shown) == tags);
    // The table says the same.
    const std::string table = s.expect(0, {"pico", "show", name}).out;
    for (const std::string& rid : p.rulesets) CHECK_THAT(table, Catch::Contains("\n" + rid + " "));
    for (const std::string& t : p.channels) CHECK_THAT(table, Catch::Contains("  " + t + " "));

    const std::string url = field(r.out, "transducer url");
    if (p.heartbeat.empty()) {
      CHECK(url.empty());
      continue;
    }
    std::string transducer;
    for (const auto& c : shown.at("channels")) {
      if (c.at("tags") == json{"esproto", "transducer"}) transducer = c.at("id");
    }
    CHECK(url == s.server.url() + "/sky/event/" + transducer + "/heartbeat/wovyn/heartbeat");
    CHECK(s.heartbeat(url, p.heartbeat) == p.directives);
    // The device kept it.
    CHECK(s.expect_json({"query", name, "esproto_router", "lastHeartbeat"}).at("genericThing") ==
          json::parse(esproto_payload(p.heartbeat)).at("genericThing"));
  }
  // --json says the same as the table, with the new_child directive.
  json made = s.expect_json({"pico", "new", "t2", "--prototype", "esproto-temp"});
  CHECK(made.at("path") == "Pico/t2");
  CHECK(made.at("transducer_url").get<std::string>().rfind(s.server.url() + "/sky/event/", 0) == 0);
  CHECK(made.at("directives").at(0).at("name") == "new_child");
  CHECK(made.at("directives").at(0).at("options").at("prototype") == "esproto-temp");
  CHECK(s.expect_json({"pico", "ls"}).at("children").size() == 5);
}
