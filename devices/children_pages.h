// The owner pico's children, a page at a time: wrangler:childrenPage(limit,
// cursor), kChildPage children a page, in creation order, each child handed
// to a callback as it comes, so nothing of the whole list is kept here. One
// answer with every child (wrangler:children) took 65 s and 10 MB at
// 100,000 children; a page asks the engine only about its own children.
//
// Bounded: at most kMaxChildPages pages, and each page's cursor must move
// past the one before (a listing that does not move stops with an error).
// An owner whose wrangler has no childrenPage (one installed before it
// existed) is listed the old way, in one answer.
//
// Thread-safety: uses `calls` alone; call from one thread.
#pragma once

#include <functional>
#include <string>

#include "devices/engine_calls.h"

namespace spime::devices {

constexpr int kChildPage = 1000;          // childrenPage's largest page
constexpr long kMaxChildPages = 100'000;  // 100,000,000 children

struct ChildListing {
  long children = 0;
  long pages = 0;
  double seconds = 0;
};

// Calls each(name, family_eci) for every child of `owner` with a name and
// an ECI (strings), oldest first. Returns kSimulateOk, or kSimulateFailed /
// kSimulateUnreachable (simulate.h) with a one-line reason in *error.
int list_children(EngineCalls& calls, const std::string& owner,
                  const std::function<void(const std::string& name, const std::string& eci)>& each,
                  ChildListing* figures, std::string* error);

}  // namespace spime::devices
