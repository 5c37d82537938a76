// The simulator's bookkeeping for large fleets, no engine needed: device
// names to a million and back, the compact DeviceTable, the fleet file
// (round trip, refusals) and the set-up's per-block lines.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "devices/device_table.h"
#include "devices/fleet_file.h"
#include "devices/fleet_setup.h"
#include "devices/progress.h"
#include "tests/temp_dir.h"

namespace spime::devices {
namespace {

std::vector<std::string> channels() {
  return {"transducer", "query"};
}

TEST_CASE("fleet: device names to a million, and their indexes", "[devices][fleet]") {
  CHECK(device_name(0) == "sim-device-0001");
  CHECK(device_name(9998) == "sim-device-9999");
  CHECK(device_name(9999) == "sim-device-10000");
  CHECK(device_name(999999) == "sim-device-1000000");
  for (int i : {0, 41, 9998, 9999, 99999, 123456, 999999}) CHECK(device_index(device_name(i)) == i);
  CHECK(device_index("sim-device-01") == -1);  // not how device 0 is spelled
  CHECK(device_index("sim-device-0") == -1);
  CHECK(device_index("sim-device-") == -1);
  CHECK(device_index("sim-device-12a") == -1);
  CHECK(device_index("sim-collection-01") == -1);
  CHECK(device_index("sim-device-99999999999999") == -1);
}

TEST_CASE("fleet: the device table keeps ECIs per device and channel", "[devices][fleet]") {
  DeviceTable t;
  t.reset(3, channels());
  CHECK(t.size() == 3);
  CHECK(t.column("query") == 1);
  CHECK(t.column("nope") == -1);
  CHECK(t.family_eci(0).empty());
  CHECK(t.channel(0, "transducer").empty());

  t.set(0, "F0", {"T0", "Q0"});
  t.set(1, "F1", {"", "Q1"});
  t.set_family(2, "F2");
  CHECK(t.family_eci(0) == "F0");
  CHECK(t.channel(0, "transducer") == "T0");
  CHECK(t.channel(0, 1) == "Q0");
  CHECK(t.channel(1, 0).empty());
  CHECK(t.channel(1, "query") == "Q1");
  CHECK(t.family_eci(2) == "F2");
  CHECK(t.channel(2, 0).empty());
  CHECK(t.channel(0, 5).empty());

  t.set_family(0, "G0");  // the channels stay
  CHECK(t.family_eci(0) == "G0");
  CHECK(t.channel(0, "transducer") == "T0");
  CHECK(t.channel(0, "query") == "Q0");

  t.set(1, "a b", {"c/d", "Q1"});  // what cannot go in a path is not kept
  CHECK(t.family_eci(1).empty());
  CHECK(t.channel(1, 0).empty());
  CHECK(t.channel(1, 1) == "Q1");

  CHECK_FALSE(t.created(1));
  t.mark_created(1);
  CHECK(t.created(1));
}

TEST_CASE("fleet: the fleet file round trip, and what it refuses", "[devices][fleet]") {
  testing::TempDir dir;
  const std::string path = dir.path() + "/fleet.txt";
  DeviceTable t;
  t.reset(4, channels());
  for (int d = 0; d < 4; ++d) {
    const std::string n = std::to_string(d);
    t.set(d, "F" + n, {"T" + n, d == 2 ? "" : "Q" + n});
  }
  std::string error;
  FleetFileRead read;

  // No file: nothing read, no error.
  DeviceTable none;
  none.reset(2, channels());
  REQUIRE(read_fleet_file(path, "OWNER", "esproto-temp", &none, &read, &error));
  CHECK_FALSE(read.exists);
  CHECK(read.read == 0);

  CHECK(fleet_file_owner(path).empty());
  REQUIRE(write_fleet_file(path, "OWNER", "esproto-temp", t, &error));
  std::ifstream tmp(path + ".tmp");
  CHECK_FALSE(tmp.good());  // renamed into place
  CHECK(fleet_file_owner(path) == "OWNER");

  // Fewer devices asked than the file holds: those, and the count of all.
  DeviceTable two;
  two.reset(2, {"query", "transducer"});  // columns in another order
  REQUIRE(read_fleet_file(path, "OWNER", "esproto-temp", &two, &read, &error));
  CHECK(read.exists);
  CHECK(read.devices == 4);
  CHECK(read.read == 2);
  CHECK(two.family_eci(1) == "F1");
  CHECK(two.channel(1, "transducer") == "T1");
  CHECK(two.channel(1, "query") == "Q1");

  // The first rows only.
  const std::string three = dir.path() + "/three.txt";
  REQUIRE(write_fleet_file(three, "OWNER", "esproto-temp", t, &error, 3));
  DeviceTable some;
  some.reset(4, channels());
  REQUIRE(read_fleet_file(three, "OWNER", "esproto-temp", &some, &read, &error));
  CHECK(read.devices == 3);
  CHECK(some.channel(2, "transducer") == "T2");

  // More asked than it holds: the first four.
  DeviceTable six;
  six.reset(6, channels());
  REQUIRE(read_fleet_file(path, "OWNER", "esproto-temp", &six, &read, &error));
  CHECK(read.read == 4);
  CHECK(six.channel(2, "query").empty());  // "-": unknown
  CHECK(six.channel(3, "transducer") == "T3");
  CHECK(six.family_eci(4).empty());

  // Another owner's, another prototype's, other channels: refused.
  DeviceTable other;
  other.reset(2, channels());
  CHECK_FALSE(read_fleet_file(path, "SOMEONE", "esproto-temp", &other, &read, &error));
  CHECK(error.find("not of SOMEONE") != std::string::npos);
  CHECK_FALSE(read_fleet_file(path, "OWNER", "esproto-msa", &other, &read, &error));
  other.reset(2, {"transducer"});
  CHECK_FALSE(read_fleet_file(path, "OWNER", "esproto-temp", &other, &read, &error));
  CHECK(error.find("channels") != std::string::npos);

  // A damaged line: refused, with its number.
  {
    std::ofstream out(path, std::ios::app);
    out << "F4 T4\n";
  }
  six.reset(6, channels());
  CHECK_FALSE(read_fleet_file(path, "OWNER", "esproto-temp", &six, &read, &error));
  CHECK(error.find("line 9") != std::string::npos);
  CHECK_FALSE(read_fleet_file(dir.write("junk.txt", "hello\n"), "OWNER", "esproto-temp", &six,
                              &read, &error));
  CHECK(error.find("not a fleet file") != std::string::npos);
  CHECK(fleet_file_owner(dir.path() + "/junk.txt").empty());
}

TEST_CASE("fleet: the set-up prints a line per block of picos made", "[devices][fleet]") {
  testing::TempDir dir;
  const std::string path = dir.path() + "/lines.txt";
  std::FILE* out = std::fopen(path.c_str(), "w");
  REQUIRE(out);
  {
    SetupProgress p(10, out);
    for (int i = 0; i < 25; ++i) p.created_one();
    p.finish();
    CHECK(p.created() == 25);
    SetupProgress small(10, out);  // fewer than a block: nothing
    for (int i = 0; i < 5; ++i) small.created_one();
    small.finish();
  }
  std::fclose(out);
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].rfind("setup: created 0..10 in ", 0) == 0);
  CHECK(lines[1].rfind("setup: created 10..20 in ", 0) == 0);
  CHECK(lines[2].rfind("setup: created 20..25 in ", 0) == 0);
  CHECK(lines[2].find(" ms/pico)") != std::string::npos);
}

}  // namespace
}  // namespace spime::devices
