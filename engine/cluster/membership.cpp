#include "engine/cluster/membership.h"

#include <algorithm>
#include <map>
#include <set>

#include "engine/cluster/etcd_client.h"
#include "engine/cluster/etcd_watch.h"
#include "engine/cluster/pico_mover.h"
#include "engine/cluster/slot_fill.h"
#include "engine/cluster/slot_mover.h"
#include "engine/logging/log.h"

namespace spime::cluster {

using api::Status;

namespace {

constexpr std::int64_t kNsPerMs = 1000000;
// After a renewal got no answer: how soon to try again.
constexpr std::int64_t kRetryNs = 200 * 1000000;

std::int64_t ms(std::int64_t ns) {
  return ns / kNsPerMs;
}

}  // namespace

std::string cluster_prefix(const std::string& cluster) {
  return "/spime/" + cluster + "/";
}

bool valid_cluster_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

// The loop thread's state; start() uses it before the thread runs, stop()
// after it has ended.
struct Membership::Loop {
  Loop(const MembershipOptions& o, SlotTable& t, std::atomic<int>& r)
      : options(o),
        table(t),
        rejoins(r),
        kv(o.etcd, http_options(o)),
        renewer(o.etcd, renewal_options(o)),
        watch(o.etcd, http_options(o)),
        prefix(cluster_prefix(o.cluster)),
        ttl_ns(std::int64_t{o.lease_ttl.count()} * 1000 * kNsPerMs),
        margin_ns(ttl_ns / 5) {}

  static client::Options http_options(const MembershipOptions& o) {
    client::Options h;
    h.timeout = o.call_timeout.count() > 0
                    ? o.call_timeout
                    : std::chrono::duration_cast<std::chrono::milliseconds>(o.lease_ttl) / 4;
    h.user_agent = "spime-cluster";
    return h;
  }

  // Renewals and the "no leader" question get a shorter bound (at most 1 s
  // a member): while etcd elects a leader, a follower holds a renewal until
  // it knows one, and two such waits in a row could outlast the fence's
  // slack (docs/cluster.md, "Fencing"). A quick failure moves on to the
  // next member, or to asking whether there is a leader at all.
  static client::Options renewal_options(const MembershipOptions& o) {
    client::Options h = http_options(o);
    if (o.call_timeout.count() == 0)
      h.timeout = std::min(h.timeout, std::chrono::milliseconds(1000));
    return h;
  }

  std::string node_key(const std::string& node) const { return prefix + "nodes/" + node; }
  std::string slot_key(Slot s) const { return prefix + "slots/" + slot_text(s); }
  std::string nodes_prefix() const { return prefix + "nodes/"; }

  // Grants a lease and registers the node under it; *granted_at is when the
  // grant was sent (the lease lasts at least TTL from then).
  Status register_node(std::int64_t* granted_at) {
    *granted_at = boot_clock_ns();
    std::int64_t id = 0;
    Status s = kv.lease_grant(options.lease_ttl.count(), &id);
    if (!s.is_ok()) return s;
    Txn claim{{{node_key(options.node), Compare::Target::kVersion, Compare::Result::kEqual, 0, {}}},
              {TxnOp::put(node_key(options.node), options.advertise, id)},
              {}};
    bool won = false;
    s = kv.txn(claim, &won);
    if (s.is_ok() && !won) {
      s = Status::conflict("node name '" + options.node +
                           "' is in use by a live node of cluster '" + options.cluster + "'");
    }
    if (!s.is_ok()) {
      kv.lease_revoke(id);
      return s;
    }
    lease = id;
    return Status::ok();
  }

  // Makes this node the owner of every slot that has none, when this node
  // filled the table first or the node that did has gone.
  Status fill_slots() {
    bool first = false;
    Status s =
        kv.txn({{{prefix + "init", Compare::Target::kVersion, Compare::Result::kEqual, 0, {}}},
                {TxnOp::put(prefix + "init", options.node)},
                {}},
               &first);
    if (!s.is_ok()) return s;
    std::optional<KeyValue> init;
    if (!first) {
      s = kv.get(prefix + "init", &init);
      if (!s.is_ok()) return s;
      if (init && init->value != options.node) {
        std::optional<KeyValue> filler;
        s = kv.get(node_key(init->value), &filler);
        if (!s.is_ok()) return s;
        if (filler) return Status::ok();  // its filler is alive (and filling)
      }
    }
    return fill_absent_slots(kv, prefix, [this](Slot) { return options.node; });
  }

  // Reads every slot and node at one revision into the table, then watches
  // from the next revision.
  Status resync() {
    std::vector<KeyValue> all;
    std::int64_t revision = 0;
    Status s = kv.range(prefix, prefix_end(prefix), &all, &revision);
    if (!s.is_ok()) return s;
    std::vector<std::string> owners(kSlotCount);
    std::set<std::string> nodes;
    Collected c{std::vector<bool>(kSlotCount, false), {}, {}};
    for (const KeyValue& k : all) apply_key(k, /*deleted=*/false, &owners, &nodes, &c);
    for (unsigned slot = 0; slot < kSlotCount; ++slot) {
      table.set_owner(static_cast<Slot>(slot), owners[slot]);
      table.set_moving_away(static_cast<Slot>(slot), c.moving[slot]);
    }
    table.replace_overrides(std::move(c.overrides));
    table.replace_pico_moves(c.pico_moves);
    for (const std::string& n : table.live_nodes()) {
      if (!nodes.count(n)) table.remove_node(n);
    }
    table.set_revision(revision);
    return watch.open(prefix, prefix_end(prefix), revision + 1);
  }

  // What a resync collects beside owners and nodes.
  struct Collected {
    std::vector<bool> moving;
    std::map<std::string, Slot, std::less<>> overrides;
    std::map<std::string, std::vector<std::string>> pico_moves;
  };

  // A key of the cluster prefix, put or deleted. With `owners`/`nodes`/`c`
  // (resync) it collects; without, it changes the table at once.
  void apply_key(const KeyValue& k, bool deleted, std::vector<std::string>* owners = nullptr,
                 std::set<std::string>* nodes = nullptr, Collected* c = nullptr) {
    std::string_view rest = std::string_view(k.key).substr(prefix.size());
    std::vector<bool>* moving = c ? &c->moving : nullptr;
    if (rest.substr(0, 10) == "overrides/") {
      const std::string eci(rest.substr(10));
      const std::optional<Slot> slot = deleted ? std::nullopt : parse_slot_text(k.value);
      if (c) {
        if (slot) c->overrides[eci] = *slot;
      } else {
        table.set_override(eci, slot);
      }
      return;
    }
    if (rest.substr(0, 11) == "pico-moves/") {
      // A pico planned away from this node (pico_mover.h): as a slot's plan.
      const std::string id(rest.substr(11));
      PicoMovePlan plan;
      const bool away =
          !deleted && decode_pico_move_plan(k.value, &plan) && plan.from == options.node;
      if (c) {
        if (away) c->pico_moves[id] = plan.ecis;
      } else {
        table.set_pico_moving_away(id, away, plan.ecis);
      }
      return;
    }
    if (rest.substr(0, 6) == "moves/") {
      // A move planned away from this node (slot_mover.h): refused here
      // until it flips or is abandoned, a restart in between included.
      auto slot = parse_slot_text(rest.substr(6));
      if (!slot) return;
      std::string from, to;
      const bool away = !deleted && decode_move_plan(k.value, &from, &to) && from == options.node;
      if (moving) {
        (*moving)[*slot] = away;
      } else {
        table.set_moving_away(*slot, away);
      }
      return;
    }
    if (rest.substr(0, 6) == "slots/") {
      auto slot = parse_slot_text(rest.substr(6));
      if (!slot) return;
      const std::string owner = deleted ? std::string() : k.value;
      if (owners) {
        (*owners)[*slot] = owner;
      } else {
        table.set_owner(*slot, owner);
      }
    } else if (rest.substr(0, 6) == "nodes/") {
      const std::string node(rest.substr(6));
      if (nodes) nodes->insert(node);
      if (deleted) {
        table.remove_node(node);
      } else {
        table.set_node(node, k.value);
      }
    }
  }

  void apply(const WatchBatch& batch) {
    for (const WatchEvent& e : batch.events) {
      apply_key(e.kv, e.type == WatchEvent::Type::kDelete);
    }
    table.set_revision(batch.revision);
  }

  void renew(std::int64_t now) {
    const std::int64_t sent = boot_clock_ns();
    const bool was_open = table.fence_open(sent);
    // In an outage, ask first whether a member has no leader (a quick
    // local answer), rather than wait on a renewal that cannot succeed.
    if (renewal_failed && was_open && renewer.some_member_without_leader()) {
      table.open_fence_until(sent + ttl_ns - margin_ns);
      next_renewal = boot_clock_ns() + kRetryNs;
      return;
    }
    Status s = renewer.lease_keepalive(lease);
    // An outage's first failure and its end, once each (not every retry).
    if (!s.is_ok() && !renewal_failed) {
      logging::warn("cluster: node " + options.node +
                    " could not renew its lease: " + s.to_string() + "; retrying");
    } else if (s.is_ok() && renewal_failed) {
      logging::info("cluster: node " + options.node + " renewed its lease again");
    }
    renewal_failed = !s.is_ok();
    if (s.is_ok()) {
      table.open_fence_until(sent + ttl_ns - margin_ns);
      next_renewal = sent + ttl_ns / 3;
      return;
    }
    if (s.code() == Status::Code::kNotFound) {
      table.close_fence();
      logging::warn("cluster: the lease of node " + options.node + " is gone; registering again");
      std::int64_t granted_at = 0;
      s = register_node(&granted_at);
      if (s.is_ok()) s = resync();
      if (s.is_ok()) {
        table.open_fence_until(granted_at + ttl_ns - margin_ns);
        rejoins.fetch_add(1, std::memory_order_acq_rel);
        next_renewal = granted_at + ttl_ns / 3;
        return;
      }
      logging::warn("cluster: node " + options.node +
                    " could not register again: " + s.to_string());
      next_renewal = now + std::min<std::int64_t>(ttl_ns / 3, 1000 * kNsPerMs);
      return;
    }
    // No answer with a leader. If a member says there is none, nothing can
    // expire the lease or change a slot: keep serving, but only if the fence
    // was still open (a process that slept past its deadline must first
    // hear that its lease lives).
    if (was_open && renewer.some_member_without_leader()) {
      table.open_fence_until(sent + ttl_ns - margin_ns);
    }
    next_renewal = boot_clock_ns() + kRetryNs;
  }

  void run(const std::atomic<bool>& stopping) {
    while (!stopping.load(std::memory_order_acquire)) {
      const std::int64_t now = boot_clock_ns();
      if (now >= next_renewal) renew(now);
      const std::int64_t until_renewal = std::max<std::int64_t>(next_renewal - boot_clock_ns(), 0);
      const auto wait =
          std::chrono::milliseconds(std::clamp<std::int64_t>(ms(until_renewal), 1, 250));
      if (watch.ended()) {
        // Compacted away: read everything again. Otherwise reopen where it was.
        Status s = watch.status().code() == Status::Code::kConflict
                       ? resync()
                       : watch.open(prefix, prefix_end(prefix), table.revision() + 1);
        if (s.code() == Status::Code::kConflict) s = resync();
        if (!s.is_ok()) std::this_thread::sleep_for(wait);  // etcd away: try again soon
        continue;
      }
      if (auto batch = watch.next(wait)) apply(*batch);
    }
  }

  const MembershipOptions& options;
  SlotTable& table;
  std::atomic<int>& rejoins;
  EtcdClient kv;
  EtcdClient renewer;  // renewals only (renewal_options)
  EtcdWatch watch;
  const std::string prefix;
  const std::int64_t ttl_ns;
  const std::int64_t margin_ns;
  std::int64_t lease = 0;
  std::int64_t next_renewal = 0;
  bool renewal_failed = false;  // the last renewal got no answer with a leader
};

Membership::Membership(MembershipOptions options)
    : options_(std::move(options)), table_(options_.node) {}

Status Membership::start(MembershipOptions options, std::unique_ptr<Membership>* out) {
  if (options.etcd.empty()) return Status::invalid_argument("cluster: no etcd endpoint");
  if (!valid_cluster_name(options.node)) {
    return Status::invalid_argument("cluster: node name '" + options.node +
                                    "' must be 1 to 64 of A-Z a-z 0-9 _ . -");
  }
  if (!valid_cluster_name(options.cluster)) {
    return Status::invalid_argument("cluster: cluster name '" + options.cluster +
                                    "' must be 1 to 64 of A-Z a-z 0-9 _ . -");
  }
  if (options.lease_ttl.count() < 2) {
    return Status::invalid_argument("cluster: the lease TTL must be at least 2 s");
  }
  std::unique_ptr<Membership> m(new Membership(std::move(options)));
  m->loop_ = std::make_unique<Loop>(m->options_, m->table_, m->rejoins_);
  Loop& loop = *m->loop_;
  std::int64_t granted_at = 0;
  Status s = loop.register_node(&granted_at);
  if (!s.is_ok()) return s;
  s = loop.fill_slots();
  if (s.is_ok()) s = loop.resync();
  if (!s.is_ok()) {
    loop.kv.lease_revoke(loop.lease);
    loop.lease = 0;
    return s;
  }
  m->table_.open_fence_until(granted_at + loop.ttl_ns - loop.margin_ns);
  loop.next_renewal = granted_at + loop.ttl_ns / 3;
  Membership* raw = m.get();
  m->thread_ = std::thread([raw] { raw->loop_->run(raw->stopping_); });
  *out = std::move(m);
  return Status::ok();
}

Membership::~Membership() {
  stop();
}

void Membership::stop() {
  if (stopping_.exchange(true)) return;
  if (thread_.joinable()) thread_.join();
  if (loop_) {
    table_.close_fence();
    loop_->watch.close();
    if (loop_->lease != 0) loop_->kv.lease_revoke(loop_->lease);
  }
}

}  // namespace spime::cluster
