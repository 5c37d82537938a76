// GET /metrics: the engine's metrics in Prometheus's text format (0.0.4),
// as EngineApi::metrics() writes them (engine/runtime/metrics/metrics.h).
//
// Answers 200 `text/plain; version=0.0.4; charset=utf-8` with the text, or
// the engine's refusal as JSON (503 when its metrics are off,
// `spime serve --no-metrics`, or it is stopping).
//
// Who may read it: whoever reaches the server, as /api/outbox; spime binds
// loopback unless told otherwise, and the text names no ECI in full.
//
// Thread-safety: any thread; `reply` is called once, inline or from an
// engine thread.
#pragma once

#include <functional>

#include "channels/http_response.h"
#include "engine/api/engine_api.h"

namespace spime::channels {

void answer_metrics(api::EngineApi& engine, std::function<void(Response)> reply);

}  // namespace spime::channels
