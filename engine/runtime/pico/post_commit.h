// PostCommit: what happens once a transaction is durable, before its answer
// leaves: the observers, in the order they were added.
//
//   local delivery   event:send / ctx:event to picos of this engine: queued at
//                    the target's inbox (so a request after the answer finds
//                    them ahead of it); their records were written in the same
//                    batch (records/local_delivery_records.h, staged by
//                    PicoActors::submit), so a crash before the targets'
//                    commits does not lose them: the next start posts them
//                    again;
//   remote delivery  events for other engines (a host given): their outbox
//                    records were written in the same batch (outbound/outbox.h,
//                    staged by PicoActors::submit), so they are durable now and
//                    the outbox starts posting them;
//   live streams     not an observer: each pico's episode is handed to the
//                    watch hub (streams/watch_hub.h) by PicoActors::finish,
//                    on the same committer thread, once its batch is durable.
//
// Every observer sees every event and handles the ones that are its own
// (local: no host; remote: a host). Observers run on the committer thread (or inline, on the
// thread that finished a transaction with nothing to wait for): they must be
// quick and never wait on a pico.
//
// Thread-safety: add() before the engine serves; run() from any thread.
#pragma once

#include <vector>

#include "engine/runtime/records/outgoing_event.h"

namespace spime::runtime {

class CommitObserver {
 public:
  virtual ~CommitObserver() = default;
  virtual void committed(std::vector<OutgoingEvent>& events) = 0;
};

class PostCommit {
 public:
  void add(CommitObserver* observer) { observers_.push_back(observer); }
  void run(std::vector<OutgoingEvent>& events) const {
    for (CommitObserver* o : observers_) o->committed(events);
  }

 private:
  std::vector<CommitObserver*> observers_;
};

}  // namespace spime::runtime
