// PicoActors' episodes (pico_actor.h, logs/episode_log.h): what an event
// or a query leaves in its pico's log, and what a committed event publishes
// to the watchers (streams/watch_hub.h). Apart from pico_actor.cpp, which
// runs the messages and calls these.
#include <optional>
#include <string>
#include <utility>

#include "engine/runtime/pico/pico_actor.h"
#include "engine/runtime/streams/collection_members.h"
#include "engine/runtime/streams/watch_hub.h"
#include "engine/store/committer.h"
#include "engine/store/store.h"

namespace spime::runtime {

using api::Result;
using api::Status;

namespace {

EpisodeEvent episode_event_of(const IncomingEvent& e) {
  return EpisodeEvent{e.eid,
                      e.eci,
                      e.domain,
                      e.name,
                      e.attrs.is_map() ? krl::encode_json(e.attrs) : std::string("{}"),
                      e.time_ms};
}

}  // namespace

bool PicoActors::keeps_episode(PicoState& state, const std::string& eci) const {
  if (!rt_.episodes.enabled) return false;
  if (const ChannelRecord* c = state.channel(eci)) {
    for (const std::string& tag : c->tags) {
      if (tag == kNoLogsTag) return false;
    }
  }
  static const std::string ui_rid(kEngineUiRid), setting(kPicoLogsVar);
  if (state.installation(kEngineUiRid)) {
    const krl::Value& on = state.ent(ui_rid, setting);
    if (on.is_bool() && !on.as_bool()) return false;
  }
  return true;
}

std::optional<PicoActors::Published> PicoActors::add_episode(PicoState& state,
                                                             const IncomingEvent& event,
                                                             const EventOutcome& out,
                                                             EpisodeRecorder& rec,
                                                             Transaction& txn) {
  const std::int64_t now = rt_.services.now_ms();
  for (const krl::Value& d : out.directives) {
    if (!d.is_map()) continue;
    const krl::Value* name = d.as_map().find("name");
    const krl::Value* options = d.as_map().find("options");
    rec.line(now, "debug", "directive",
             {{"name", name && name->is_string() ? name->as_string() : std::string()}}, "options",
             options ? krl::encode_json(*options) : std::string("{}"));
  }
  if (out.user_error) rec.line(now, "error", *out.user_error);
  rec.done(now);
  EpisodeEvent e = episode_event_of(event);
  std::uint64_t seq = append_episode(rt_.store, state.id(), state.episodes(), rt_.episodes, now,
                                     episode_json(e, rec), txn.batch);
  if (!rt_.hub) return std::nullopt;
  Published p{state.id(), seq, std::move(e), {}};
  if (rt_.hub->follows_members()) {
    // The readings it raised, once each (`raised` has one entry per ruleset it went to).
    const ScheduledEntry* last = nullptr;
    for (const ScheduledEntry& r : out.raised) {
      if (!is_reading(r.domain, r.name)) continue;
      if (last && last->name == r.name && last->attrs.is_same_object(r.attrs)) continue;
      last = &r;
      p.readings.push_back(EpisodeEvent{event.eid, "", r.domain, r.name, krl::encode_json(r.attrs),
                                        p.event.time_ms});
    }
  }
  return p;
}

void PicoActors::note_members(PicoState& state, const EventOutcome& out) {
  if (!rt_.hub) return;
  for (const auto& [key, value] : out.entvars) {
    if (key.first == kCollectionRid && key.second == kMembersName) {
      rt_.hub->set_members(state.id(), local_member_picos(rt_.channels, rt_.store, value));
      return;
    }
  }
}

std::optional<EpisodeRecorder> PicoActors::query_recorder(PicoState& state,
                                                          const QueryCall& query) const {
  // The engine UI ruleset's own queries are not kept (logs/episode_log.h).
  if (query.rid == kEngineUiRid || !keeps_episode(state, query.eci)) return std::nullopt;
  return EpisodeRecorder();
}

void PicoActors::add_query_episode(PicoState& state, const QueryCall& query, std::string txn_id,
                                   const Result<krl::Value>& value, EpisodeRecorder& rec) {
  // Interrupted by a stop: nothing of it is kept, as for an event.
  if (!value.ok() && value.status().code() == Status::Code::kUnavailable) return;
  const std::int64_t now = rt_.services.now_ms();
  if (value.ok()) {
    rec.done(now);
  } else {
    rec.line(now, "error", "txnError", {{"error", value.status().message()}});
  }
  EpisodeQuery q{std::move(txn_id), query.eci, query.rid, query.name,
                 krl::encode_json(krl::Value(query.args))};
  store::WriteBatch batch;
  append_episode(rt_.store, state.id(), state.episodes(), rt_.episodes, now,
                 query_episode_json(q, rec), batch);
  // Nobody waits for it (not even the pico's next message: slot.last_seq stays).
  if (rt_.store.committer().try_submit(std::move(batch)) == 0) {
    // The committer is full: this episode is lost; the log's state is read again.
    state.episodes() = EpisodeLogState{};
  }
}

std::uint64_t PicoActors::write_failed_episode(PicoSlot& slot, PicoState& state,
                                               const IncomingEvent& event, const Status& failure,
                                               EpisodeRecorder& rec) {
  // Interrupted by a stop, or refused for room: nothing of it is kept.
  if (failure.code() == Status::Code::kUnavailable) return 0;
  const std::int64_t now = rt_.services.now_ms();
  rec.line(now, "error", "txnError", {{"error", failure.message()}});
  rec.done(now);
  EpisodeEvent e = episode_event_of(event);
  store::WriteBatch batch;
  std::uint64_t seq = append_episode(rt_.store, state.id(), state.episodes(), rt_.episodes, now,
                                     episode_json(e, rec), batch);
  std::uint64_t commit = rt_.store.committer().try_submit(std::move(batch));
  if (commit == 0) {
    // The committer is full: this episode is lost; the log's state is read again.
    state.episodes() = EpisodeLogState{};
    return 0;
  }
  slot.last_seq.store(commit);
  std::optional<Published> published;
  if (rt_.hub) published = Published{state.id(), seq, std::move(e), {}};
  finish(commit, {}, nullptr, std::move(published));
  return commit;
}

}  // namespace spime::runtime
