#include "devices/children_pages.h"

#include <chrono>

#include "devices/simulate.h"

namespace spime::devices {

namespace {

constexpr const char* kWrangler = "io.picolabs.wrangler";

int refused(const Reply& r, const std::string& doing, std::string* error) {
  *error = doing + ": " + r.describe();
  return r.answered() ? kSimulateFailed : kSimulateUnreachable;
}

long hand_out(const json& children,
              const std::function<void(const std::string&, const std::string&)>& each) {
  long n = 0;
  for (const auto& c : children) {
    if (!c.is_object()) continue;
    const auto name = c.find("name");
    const auto eci = c.find("eci");
    if (name == c.end() || eci == c.end() || !name->is_string() || !eci->is_string()) continue;
    each(name->get<std::string>(), eci->get<std::string>());
    ++n;
  }
  return n;
}

}  // namespace

int list_children(EngineCalls& calls, const std::string& owner,
                  const std::function<void(const std::string&, const std::string&)>& each,
                  ChildListing* figures, std::string* error) {
  const auto start = std::chrono::steady_clock::now();
  *figures = ChildListing();
  auto done = [&] {
    figures->seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return kSimulateOk;
  };
  std::string cursor;
  for (long page = 0; page < kMaxChildPages; ++page) {
    json args = {{"limit", kChildPage}};
    if (!cursor.empty()) args["cursor"] = cursor;
    Reply r = calls.query(owner, kWrangler, "childrenPage", args);
    const bool shaped = r.ok() && r.body.is_object() && r.body.contains("children") &&
                        r.body.at("children").is_array();
    if (!shaped) {
      if (page == 0 && r.answered()) {
        // An older wrangler: every child in one answer.
        Reply all = calls.query(owner, kWrangler, "children");
        if (all.ok() && all.body.is_array()) {
          figures->children = hand_out(all.body, each);
          figures->pages = 1;
          return done();
        }
      }
      return refused(r, "listing the owner's children (page " + std::to_string(page + 1) + ")",
                     error);
    }
    figures->children += hand_out(r.body.at("children"), each);
    figures->pages = page + 1;
    const json next = r.body.value("next", json());
    if (!next.is_string()) return done();  // null: the last page
    std::string following = next.get<std::string>();
    if (following.empty() || following == cursor) {
      *error = "listing the owner's children: page " + std::to_string(page + 1) +
               " leads to itself (next " + next.dump() + ")";
      return kSimulateFailed;
    }
    cursor = std::move(following);
  }
  *error = "listing the owner's children: more than " + std::to_string(kMaxChildPages) +
           " pages of " + std::to_string(kChildPage);
  return kSimulateFailed;
}

}  // namespace spime::devices
