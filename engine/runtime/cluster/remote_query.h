// ctx:query to a pico of another engine of the cluster (docs/cluster.md,
// "Queries between engines"): the reference's rulesets query picos with
// ctx:query (wrangler:picoQuery) when the other side's host is meta:host,
// which all the engines of a cluster share. When the ECI is not this
// engine's and its slot is another node's (Services::cluster_host_of), the
// query goes to the cluster's address as POST /sky/cloud/<eci>/<rid>/<name>
// with the arguments as JSON, and its answer (or its error) is the query's.
//
// Blocking: it runs only where blocking is allowed (pico/io_pool.h); on a
// scheduler thread it fails at once with kUnavailable, the pico is flagged
// to run on the I/O pool, and the message runs again there. Bounded by the
// pool's http timeout and response size.
//
// Errors: the other engine's, by its status (api::Status::from_http), with
// its {"error"} message; kUnavailable when it cannot
// be reached; kNotFound for an ECI, rid or name that no engine could serve
// (characters outside [A-Za-z0-9._~-]).
//
// Thread-safety: a free function; any thread allowed to block.
#pragma once

#include <string>

#include "engine/api/status.h"
#include "engine/krl/value.h"
#include "engine/runtime/pico/services.h"

namespace spime::runtime {

api::Result<krl::Value> query_other_engine(const std::string& host, const QueryCall& query);

}  // namespace spime::runtime
