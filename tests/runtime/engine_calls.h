// Calling an in-process Engine (engine/runtime/engine.h) from a [runtime]
// test and waiting, bounded, for its answer: the helpers several tests
// share.
#pragma once

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <utility>

#include <catch2/catch.hpp>

#include "engine/runtime/engine.h"

namespace spime::runtime::testing {

// Calls `call` with a Done<T> and waits (at most 20 s: then the test fails)
// for its answer.
template <class T, class Call>
api::Result<T> await(Call call) {
  auto answer = std::make_shared<std::promise<api::Result<T>>>();
  auto future = answer->get_future();
  call([answer](api::Result<T> r) { answer->set_value(std::move(r)); });
  REQUIRE(future.wait_for(std::chrono::seconds(20)) == std::future_status::ready);
  return future.get();
}

// event_wait, which must succeed; its directives.
inline krl::Value must_event(Engine& e, const std::string& eci, const std::string& domain,
                             const std::string& name, krl::Map attrs = {}) {
  auto r = await<api::EventResult>([&](auto done) {
    e.event_wait(api::EventRequest{eci, domain, name, krl::Value(std::move(attrs))}, done);
  });
  INFO((r.ok() ? "" : r.status().to_string()));
  REQUIRE(r.ok());
  return r.value().directives;
}

inline api::Result<krl::Value> query(Engine& e, const std::string& eci, const std::string& rid,
                                     const std::string& name) {
  return await<krl::Value>([&](auto done) {
    e.query(api::QueryRequest{eci, rid, name, krl::Value(krl::Map())}, done);
  });
}

// query, which must succeed; its value.
inline krl::Value must_query(Engine& e, const std::string& eci, const std::string& rid,
                             const std::string& name) {
  auto r = query(e, eci, rid, name);
  INFO((r.ok() ? "" : r.status().to_string()));
  REQUIRE(r.ok());
  return r.value();
}

}  // namespace spime::runtime::testing
