// run_parallel: the set-up's and the end check's many small requests over a
// few keep-alive connections at once. Tasks 0..n-1 are handed out in order
// to `connections` threads, each with its own client (so its own
// connection); a task that returns false stops the handing out (the tasks
// already running finish). Bounded: every request is bounded by the
// client's timeout, and there are n tasks.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>

#include "channels/client/http_client.h"
#include "devices/engine_calls.h"

namespace spime::devices {

struct SimulateOptions;

// Returns false when a task returned false. o.connections threads, each request bounded by
// o.request_timeout_seconds.
bool run_parallel(const client::Url& url, const SimulateOptions& o, std::size_t n,
                  const std::function<bool(std::size_t index, EngineCalls& calls)>& task);

// A client for the set-up and the checks: a set-up request may make a pico from a prototype,
// in one transaction, or list every child (o.request_timeout_seconds).
client::Options setup_client_options(const SimulateOptions& o);

}  // namespace spime::devices
