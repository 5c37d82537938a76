// GET /metrics. See metrics_route.h.
#include "channels/metrics_route.h"

#include <string>
#include <utility>

namespace spime::channels {

void answer_metrics(api::EngineApi& engine, std::function<void(Response)> reply) {
  engine.metrics([reply = std::move(reply)](api::Result<std::string> r) {
    if (!r.ok()) return reply(status_response(r.status()));
    Response text;
    text.content_type = "text/plain; version=0.0.4; charset=utf-8";
    text.body = std::move(r.value());
    reply(std::move(text));
  });
}

}  // namespace spime::channels
