// plan_rebalance (engine/cluster/rebalance.h): the moves that give each
// live node its share, on slot tables made by hand.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "engine/cluster/rebalance.h"
#include "engine/cluster/slot_fill.h"

using spime::cluster::kSlotCount;
using spime::cluster::plan_rebalance;
using spime::cluster::PlannedMove;
using spime::cluster::Slot;

namespace {

std::map<Slot, std::string> spread(const std::vector<std::string>& nodes) {
  std::map<Slot, std::string> owners;
  for (unsigned s = 0; s < kSlotCount; ++s) {
    owners[static_cast<Slot>(s)] = spime::cluster::spread_owner(nodes, static_cast<Slot>(s));
  }
  return owners;
}

// The owners after the moves, each checked to come from its slot's owner.
std::map<std::string, std::size_t> counts_after(std::map<Slot, std::string> owners,
                                                const std::vector<PlannedMove>& moves) {
  for (const PlannedMove& m : moves) {
    REQUIRE(owners[m.slot] == m.from);
    REQUIRE(m.to != m.from);
    owners[m.slot] = m.to;
  }
  std::map<std::string, std::size_t> counts;
  for (const auto& [slot, owner] : owners) ++counts[owner];
  return counts;
}

}  // namespace

TEST_CASE("plan_rebalance: a 4th node takes a quarter, a third from each", "[cluster][rebalance]") {
  const auto owners = spread({"a", "b", "c"});
  const auto moves = plan_rebalance(owners, {"a", "b", "c", "d"});
  CHECK(moves.size() == 1024);
  const auto counts = counts_after(owners, moves);
  for (const char* n : {"a", "b", "c", "d"}) CHECK(counts.at(n) == 1024);
  std::map<std::string, std::size_t> from;
  for (const PlannedMove& m : moves) {
    CHECK(m.to == "d");
    ++from[m.from];
  }
  CHECK(from.at("a") + from.at("b") + from.at("c") == 1024);
  for (const auto& [node, n] : from) CHECK((n == 341 || n == 342));
  // Balanced already: nothing to do.
  CHECK(plan_rebalance(spread({"a", "b", "c", "d"}), {"a", "b", "c", "d"}).empty());
}

TEST_CASE("plan_rebalance: uneven counts, dead owners and no nodes", "[cluster][rebalance]") {
  std::map<Slot, std::string> owners;
  for (unsigned s = 0; s < kSlotCount; ++s) owners[static_cast<Slot>(s)] = "a";
  auto moves = plan_rebalance(owners, {"a", "b", "c"});
  auto counts = counts_after(owners, moves);
  CHECK(counts.at("a") == 1366);  // 4096 = 1366 + 1365 + 1365, the first by name one more
  CHECK(counts.at("b") == 1365);
  CHECK(counts.at("c") == 1365);
  // A slot whose owner is not live stays; so does one without an owner.
  owners = spread({"a", "b", "gone"});
  owners.erase(Slot{5});
  moves = plan_rebalance(owners, {"a", "b"});
  for (const PlannedMove& m : moves) CHECK(m.from != "gone");
  std::size_t gone = 0;
  for (const auto& [slot, owner] : owners) gone += owner == "gone";
  counts = counts_after(owners, moves);
  CHECK(counts.at("gone") == gone);
  CHECK(counts.at("a") >= counts.at("b"));
  CHECK(counts.at("a") - counts.at("b") <= 1);
  CHECK(plan_rebalance(owners, {}).empty());
}
