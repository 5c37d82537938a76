// The `ctx` module (reference: pico-engine-core/src/modules/ctx.ts).
// Structural changes go to the schedule's overlay (RuntimeHost) or its
// Transaction and reach the PicoState and the store only on commit.
#include <algorithm>
#include <functional>

#include "engine/krl/error.h"
#include "engine/runtime/channel/attrs_schema.h"
#include "engine/runtime/logs/episode_log.h"
#include "engine/runtime/modules/ctx_entity_variables.h"
#include "engine/runtime/modules/runtime_modules.h"
#include "engine/runtime/pico/runtime_host.h"
#include "engine/runtime/pico/transaction.h"
#include "engine/runtime/records/ids.h"
#include "engine/runtime/records/pico_records.h"

namespace spime::runtime {

using krl::Array;
using krl::BoundArgs;
using krl::EvalContext;
using krl::KrlError;
using krl::Map;
using krl::Value;

namespace {

RuntimeHost& H(EvalContext& ctx, const char* what) {
  return RuntimeHost::from(ctx, what);
}

Value strings(const std::vector<std::string>& v) {
  Array a;
  for (const auto& s : v) a.emplace_back(s);
  return Value(std::move(a));
}

const Installation* cur(RuntimeHost& h) {
  return h.installation(h.current_rid());
}

Value pico_id(EvalContext& ctx, const BoundArgs&) {
  return Value(H(ctx, "ctx:picoId").pico().id());
}
Value rid(EvalContext& ctx, const BoundArgs&) {
  return Value(H(ctx, "ctx:rid").current_rid());
}
Value rid_url(EvalContext& ctx, const BoundArgs&) {
  const Installation* i = cur(H(ctx, "ctx:rid_url"));
  return i ? Value(i->record.url) : Value();
}
Value rid_config(EvalContext& ctx, const BoundArgs&) {
  const Installation* i = cur(H(ctx, "ctx:rid_config"));
  return i ? Value(i->record.config) : Value();
}
Value meta_field(EvalContext& ctx, const char* what,
                 const std::optional<std::string> krl::ProgramMeta::*field) {
  const Installation* i = cur(H(ctx, what));
  if (!i) return Value();
  const auto& f = i->ruleset->program->meta().*field;
  return f ? Value(*f) : Value();
}
Value rid_version(EvalContext& ctx, const BoundArgs&) {
  return meta_field(ctx, "ctx:rid_version", &krl::ProgramMeta::version);
}
Value rid_name(EvalContext& ctx, const BoundArgs&) {
  return meta_field(ctx, "ctx:rid_name", &krl::ProgramMeta::name);
}
Value rid_description(EvalContext& ctx, const BoundArgs&) {
  return meta_field(ctx, "ctx:rid_description", &krl::ProgramMeta::description);
}
Value rid_author(EvalContext& ctx, const BoundArgs&) {
  return meta_field(ctx, "ctx:rid_author", &krl::ProgramMeta::author);
}
Value parent(EvalContext& ctx, const BoundArgs&) {
  const auto& p = H(ctx, "ctx:parent").record().parent;
  return p ? Value(*p) : Value();
}
Value children(EvalContext& ctx, const BoundArgs&) {
  return strings(H(ctx, "ctx:children").children());
}
// ctx:hasChild(eci) (ours): whether `eci` is the family channel of one of this
// pico's children, without copying them all as ctx:children does.
Value has_child(EvalContext& ctx, const BoundArgs& a) {
  return Value(H(ctx, "ctx:hasChild").has_child(krl::to_string(a[0])));
}
Value channels(EvalContext& ctx, const BoundArgs&) {
  Array out;
  for (const auto& c : H(ctx, "ctx:channels").channels()) out.push_back(channel_to_value(c));
  return Value(std::move(out));
}
// ctx:channel(eci) (ours): that channel of this pico as ctx:channels shows
// it, or null; without copying every channel to find one.
Value channel(EvalContext& ctx, const BoundArgs& a) {
  auto c = H(ctx, "ctx:channel").channel(krl::to_string(a[0]));
  return c ? channel_to_value(*c) : Value();
}
// ctx:channelsTagged(tags) (ours): the channels whose tags are exactly
// `tags` (an array of strings, compared as given: a set with repeats), in
// creation order; what ctx:channels.filter(...) by tags gave, copying only
// the channels that match.
Value channels_tagged(EvalContext& ctx, const BoundArgs& a) {
  RuntimeHost& h = H(ctx, "ctx:channelsTagged");
  if (!a[0].is_array())
    throw KrlError("ctx:channelsTagged: tags must be an array of strings", "TypeError");
  std::vector<std::string> tags;
  for (const Value& t : a[0].as_array()) {
    if (!t.is_string())
      throw KrlError("ctx:channelsTagged: tags must be an array of strings", "TypeError");
    tags.push_back(t.as_string());
  }
  Array out;
  for (const auto& c : h.channels_tagged(std::move(tags))) out.push_back(channel_to_value(c));
  return Value(std::move(out));
}
// ctx:hasChannel(eci) (ours): whether `eci` is one of this pico's channels,
// without copying them all as ctx:channels does (a parent has one per child).
Value has_channel(EvalContext& ctx, const BoundArgs& a) {
  return Value(H(ctx, "ctx:hasChannel").has_channel(krl::to_string(a[0])));
}
// The ruleset's own meta block as the reference's compiled ruleset keeps it
// (ctx:rulesets' krlMeta, wrangler:rulesetMeta): what it says, and only that.
Value krl_meta_value(const krl::ProgramMeta& pm) {
  Map m;
  if (pm.version) m.set("version", *pm.version);
  if (pm.name) m.set("name", *pm.name);
  if (pm.description) m.set("description", *pm.description);
  if (pm.author) m.set("author", *pm.author);
  if (!pm.use.empty()) {
    Array use;
    for (const auto& u : pm.use) {
      Map one;
      one.set("kind", "module");
      one.set("rid", u.rid);
      if (u.version) one.set("version", *u.version);
      if (u.alias != u.rid) one.set("alias", u.alias);
      use.push_back(Value(std::move(one)));
    }
    m.set("use", Value(std::move(use)));
  }
  if (pm.logging) m.set("logging", *pm.logging);
  if (!pm.provides.empty()) m.set("provides", strings(pm.provides));
  if (!pm.shares.empty()) m.set("shares", strings(pm.shares));
  return Value(std::move(m));
}

// Each installed ruleset as the reference's ctx:rulesets: {rid, url, config,
// meta: {krl, krlMeta, hash, flushed, compiler: {version, warnings}}}, the
// last three as the registry shows a registration (registration_value).
Value rulesets(EvalContext& ctx, const BoundArgs&) {
  RuntimeHost& h = H(ctx, "ctx:rulesets");
  Array out;
  for (const auto& r : h.installed_rids()) {
    const Installation* i = h.installation(r);
    Map meta;
    meta.set("krl", i->ruleset->source);
    meta.set("krlMeta", krl_meta_value(i->ruleset->program->meta()));
    Map registration = registration_value(*i->ruleset);
    for (const char* key : {"hash", "flushed", "compiler"}) meta.set(key, *registration.find(key));
    Map m;
    m.set("rid", r);
    m.set("url", i->record.url);
    m.set("config", Value(i->record.config));
    m.set("meta", Value(std::move(meta)));
    out.push_back(Value(std::move(m)));
  }
  return Value(std::move(out));
}

// ctx:registeredURL(rid) (ours, not the reference's): the url ruleset `rid`
// is registered from, or null. The wrangler installs the optional system
// rulesets (io.picolabs.subscription) on a new child only when they are
// registered, since a failed install would fail the child's creation.
Value registered_url(EvalContext& ctx, const BoundArgs& a) {
  RuntimeHost& h = H(ctx, "ctx:registeredURL");
  if (!a[0].is_string()) return Value();
  auto rs = h.services().registry().get(a[0].as_string());
  return rs ? Value(rs->url) : Value();
}

// JavaScript truthiness: the reference reads optional channel settings with `if (conf.x)`.
bool given(const Value& v) {
  if (v.is_null()) return false;
  if (v.is_bool()) return v.as_bool();
  if (v.is_string()) return !v.as_string().empty();
  if (v.is_number()) return v.as_number() != 0 && v.as_number() == v.as_number();
  return true;
}

// Applies the settings given in (tags, eventPolicy, queryPolicy, attrsSchema)
// at a[first..] to `c`, validated as the reference (pico-framework
// Channel.update): absent ones keep their current value. attrsSchema (ours:
// a JSON Schema for the attributes of the events the channel admits) must
// compile; an empty map removes it.
void apply_settings(ChannelRecord* c, const BoundArgs& a, int first) {
  std::string err;
  if (given(a[first]) && !clean_tags(a[first], &c->tags, &err)) throw KrlError(err, "TypeError");
  if (given(a[first + 1]) && !parse_event_policy(a[first + 1], &c->event_policy, &err)) {
    throw KrlError(err, "TypeError");
  }
  if (given(a[first + 2]) && !parse_query_policy(a[first + 2], &c->query_policy, &err)) {
    throw KrlError(err, "TypeError");
  }
  if (a.has(first + 3) && given(a[first + 3])) {
    const Value& schema = a[first + 3];
    if (schema.is_map() && schema.as_map().size() == 0) {
      c->attrs_schema = Value();
      c->schema = nullptr;
    } else {
      check_storable(schema, "attrsSchema");
      auto compiled = AttrsSchema::compile_shared(schema, &err);
      if (!compiled) throw KrlError(err, "TypeError");
      c->attrs_schema = compiled->source();
      c->schema = std::move(compiled);
    }
  }
  // rateLimit (ours: channel/rate_limit.h); an empty map removes it.
  if (a.has(first + 4) && given(a[first + 4])) {
    const Value& rate = a[first + 4];
    if (rate.is_map() && rate.as_map().size() == 0) {
      c->rate_limit.reset();
    } else {
      ChannelRateLimit r;
      if (!parse_rate_limit(rate, "rateLimit", &r, &err)) throw KrlError(err, "TypeError");
      c->rate_limit = r;
    }
  }
}

std::int64_t next_order(RuntimeHost& h) {
  return h.next_channel_order();
}

// A new channel of this pico, settings validated before anything is written.
ChannelRecord make_channel(RuntimeHost& h, const BoundArgs& a, int first) {
  ChannelRecord c;
  apply_settings(&c, a, first);
  c.pico_id = h.pico().id();
  c.eci = h.services().new_eci(h.pico().record().slot);
  c.order = next_order(h);
  return c;
}

Value new_channel(EvalContext& ctx, const BoundArgs& a) {
  RuntimeHost& h = H(ctx, "ctx:newChannel");
  h.throw_if_read_only("ctx:newChannel");
  ChannelRecord c = make_channel(h, a, 0);
  Value v = channel_to_value(c);
  h.put_channel(std::move(c));
  return v;
}

// Updates channel `eci` (reference Pico.putChannel): family channels cannot
// change (silently, as the reference), the self channel is refused.
void update_channel(RuntimeHost& h, const std::string& eci, const BoundArgs& a, int first) {
  auto c = h.channel(eci);
  if (!c) throw KrlError("ECI not found " + eci);
  if (c->family_pico_id && *c->family_pico_id == h.pico().id()) {
    throw KrlError("Cannot edit the self channel.");
  }
  if (c->family_pico_id) return;
  apply_settings(&*c, a, first);
  h.put_channel(std::move(*c));
}

Value put_channel(EvalContext& ctx, const BoundArgs& a) {
  RuntimeHost& h = H(ctx, "ctx:putChannel");
  h.throw_if_read_only("ctx:putChannel");
  update_channel(h, krl::to_string(a[0]), a, 1);
  return Value();
}

// Updates the channel whose tags (cleaned, sorted) equal the given ones, or
// creates it (reference ctx.ts upsertChannel).
Value upsert_channel(EvalContext& ctx, const BoundArgs& a) {
  RuntimeHost& h = H(ctx, "ctx:upsertChannel");
  h.throw_if_read_only("ctx:upsertChannel");
  std::vector<std::string> want;
  std::string err;
  if (!clean_tags(a[0], &want, &err)) throw KrlError(err, "TypeError");
  std::vector<ChannelRecord> same = h.channels_tagged(std::move(want));
  if (!same.empty()) {
    update_channel(h, same.front().eci, a, 0);
    return Value();
  }
  h.put_channel(make_channel(h, a, 0));
  return Value();
}

Value del_channel(EvalContext& ctx, const BoundArgs& a) {
  RuntimeHost& h = H(ctx, "ctx:delChannel");
  h.throw_if_read_only("ctx:delChannel");
  std::string eci = krl::to_string(a[0]);
  auto c = h.channel(eci);
  if (!c) throw KrlError("ECI not found " + eci);
  if (c->family_pico_id) throw KrlError("Cannot delete family channels.");
  h.del_channel(eci);
  return Value();
}

// The registered ruleset of `url`, fetched and registered when unknown
// (reference RulesetRegistry.load). Throws the fetch/compile error.
std::shared_ptr<const LoadedRuleset> load_ruleset(Services& s, const std::string& url) {
  if (auto rs = s.registry().get_by_url(url)) return rs;
  auto r = s.registry().flush(url);
  if (!r.ruleset) throw KrlError(r.error);
  return r.ruleset;
}

// Installs (or re-installs, with the new config) a ruleset by url. Its
// globals run now, as the reference's install, with ctx:rid being the new rid.
Value install(EvalContext& ctx, const BoundArgs& a) {
  RuntimeHost& h = H(ctx, "ctx:install");
  h.throw_if_read_only("ctx:install");
  if (!a[0].is_string()) {
    throw krl::type_error("Expected string for url but got " +
                          std::string(krl::type_name(a[0].type())));
  }
  if (!a[1].is_null() && !a[1].is_map()) {
    throw krl::type_error("Expected a map for config but got " +
                          std::string(krl::type_name(a[1].type())));
  }
  std::string url = a[0].as_string();
  auto rs = load_ruleset(h.services(), url);
  Installation inst;
  inst.rid = rs->rid;
  inst.record.url = url;
  inst.record.config = a[1].is_map() ? a[1].as_map() : Map();
  const Installation* existing = h.installation(rs->rid);
  inst.record.order = existing ? existing->record.order : [&] {
    std::int64_t n = 0;
    for (const auto& r : h.installed_rids()) n = std::max(n, h.installation(r)->record.order + 1);
    return n;
  }();
  std::string caller_rid = h.current_rid(), caller_rule = h.current_rule();
  h.set_current_rule(rs->rid, "");
  try {
    inst.instance =
        make_instance(rs, inst.record.config, h.services(), ctx,
                      [&h](std::string_view rid) { return h.installation(rid) != nullptr; });
  } catch (...) {
    h.set_current_rule(caller_rid, caller_rule);
    throw;
  }
  h.set_current_rule(caller_rid, caller_rule);
  inst.ruleset = rs;
  std::string err;
  if (!build_selects(&inst, &err)) throw KrlError(err);
  h.install(std::move(inst));
  return Value(rs->rid);
}

// The installed rulesets that `use module rid` (reference CorePico.whoUses).
std::vector<std::string> who_uses(RuntimeHost& h, const std::string& rid) {
  std::vector<std::string> users;
  for (const auto& r : h.installed_rids()) {
    if (r == rid) continue;
    for (const auto& use : h.installation(r)->ruleset->program->meta().use) {
      if (use.rid == rid) {
        users.push_back(r);
        break;
      }
    }
  }
  return users;
}

Value uninstall(EvalContext& ctx, const BoundArgs& a) {
  RuntimeHost& h = H(ctx, "ctx:uninstall");
  h.throw_if_read_only("ctx:uninstall");
  if (!a[0].is_string()) {
    throw krl::type_error("Expected string for rid but got " +
                          std::string(krl::type_name(a[0].type())));
  }
  const std::string& rid = a[0].as_string();
  auto users = who_uses(h, rid);
  if (!users.empty()) {
    std::string list;
    for (const auto& u : users) list += (list.empty() ? "" : " and ") + u;
    throw KrlError("Cannot uninstall " + rid + " because " + list + " depends on it");
  }
  h.uninstall(rid);
  return Value();
}

Value flush(EvalContext& ctx, const BoundArgs& a) {
  RuntimeHost& h = H(ctx, "ctx:flush");
  if (!a[0].is_string()) {
    throw krl::type_error("Expected string for url but got " +
                          std::string(krl::type_name(a[0].type())));
  }
  auto r = h.services().registry().flush(a[0].as_string());
  if (!r.ruleset) throw KrlError(r.error);
  return Value();
}

Value raise_event(EvalContext& ctx, const BoundArgs& a) {
  RuntimeHost& h = H(ctx, "ctx:raiseEvent");
  krl::RaisedEvent e;
  e.domain = krl::to_string(a[0]);
  e.type = krl::to_string(a[1]);
  e.attrs = a[2];
  if (a[3].is_string()) e.for_rid = a[3].as_string();
  h.raise_event(std::move(e));
  return Value();
}

Value event(EvalContext& ctx, const BoundArgs& a) {
  RuntimeHost& h = H(ctx, "ctx:event");
  h.throw_if_read_only("ctx:event");
  OutgoingEvent out;
  out.eci = krl::to_string(a[0]);
  out.domain = krl::to_string(a[1]);
  out.name = krl::to_string(a[2]);
  // As the reference's cleanEvent: only what JSON can carry.
  out.attrs = a[3].is_null() ? Value(Map()) : krl::json_clean(a[3]);
  if (a.has(4)) out.host = krl::to_string(a[4]);
  out.from_pico_id = h.pico().id();
  h.txn().outgoing.push_back(std::move(out));
  return Value();
}

Value query(EvalContext& ctx, const BoundArgs& a) {
  RuntimeHost& h = H(ctx, "ctx:query");
  std::string eci = krl::to_string(a[0]);
  Map args = a[3].is_map() ? a[3].as_map() : Map();
  auto q = h.services().query(h.txn(), h.pico().id(),
                              QueryCall{eci, krl::to_string(a[1]), krl::to_string(a[2]), args});
  if (!q.ok()) throw KrlError(q.status().message());
  return std::move(q.value());
}

// ctx:tryQuery (ours): ctx:query that answers its failure instead of failing
// the rule: {"ok": true, "value": v}, or {"ok": false, "code": "NotFound" |
// "PermissionDenied" | "RuleError" | ... (Status::code_name), "error": why}.
// For callers that must tell an answer from a refusal (a subscription's
// health). A refused blocking call still fails (the message runs again on
// the I/O pool, pico_actor.h).
Value try_query(EvalContext& ctx, const BoundArgs& a) {
  RuntimeHost& h = H(ctx, "ctx:tryQuery");
  std::string eci = krl::to_string(a[0]);
  Map args = a[3].is_map() ? a[3].as_map() : Map();
  auto q = h.services().query(h.txn(), h.pico().id(),
                              QueryCall{eci, krl::to_string(a[1]), krl::to_string(a[2]), args});
  if (q.ok()) return Value(Map{{"ok", Value(true)}, {"value", std::move(q.value())}});
  return Value(Map{{"ok", Value(false)},
                   {"code", Value(api::Status::code_name(q.status().code()))},
                   {"error", Value(q.status().message())}});
}

// ctx:eventWait / ctx:eventQuery: run an event on another pico (one this
// schedule created included) and answer its directives; eventQuery then
// queries it. The caller's own answer waits until that event is durable.
WaitedEvent waited(const char* what, RuntimeHost& h, const BoundArgs& a) {
  h.throw_if_read_only(what);
  WaitedEvent ev;
  ev.eci = krl::to_string(a[0]);
  ev.domain = krl::to_string(a[1]);
  ev.name = krl::to_string(a[2]);
  if (!a[3].is_null() && !a[3].is_map()) {
    throw krl::type_error(std::string(what) + ": attrs must be a Map");
  }
  if (a[3].is_map()) ev.attrs = krl::json_clean(a[3]).as_map();
  return ev;
}

// failOnError (ours, the fifth argument): an `error error` that ended the
// event's schedule fails the caller too (the reference's eventWait, and ours
// without it, answer as the event did: it succeeded). The wrangler sets a
// pico up from a prototype this way, so a failed set-up fails its creation.
// On a pico this schedule did not create, the event has committed by then.
Value event_wait(EvalContext& ctx, const BoundArgs& a) {
  RuntimeHost& h = H(ctx, "ctx:eventWait");
  WaitedEvent ev = waited("ctx:eventWait", h, a);
  auto out = h.services().event_wait(h.txn(), h.pico().id(), ev);
  if (!out.ok()) throw KrlError("ctx:eventWait: " + out.status().message());
  if (krl::truthy(a[4]) && out.value().user_error) {
    throw KrlError("ctx:eventWait: " + ev.domain + ":" + ev.name +
                   " ended in error: " + *out.value().user_error);
  }
  return Value(
      Map{{"eid", out.value().eid}, {"directives", Value(std::move(out.value().directives))}});
}

Value event_query(EvalContext& ctx, const BoundArgs& a) {
  RuntimeHost& h = H(ctx, "ctx:eventQuery");
  WaitedEvent ev = waited("ctx:eventQuery", h, a);
  ev.with_query = true;
  ev.query_rid = krl::to_string(a[4]);
  ev.query_name = krl::to_string(a[5]);
  if (!a[6].is_null() && !a[6].is_map())
    throw krl::type_error("ctx:eventQuery: args must be a Map");
  if (a[6].is_map()) ev.query_args = a[6].as_map();
  auto out = h.services().event_wait(h.txn(), h.pico().id(), ev);
  if (!out.ok()) throw KrlError("ctx:eventQuery: " + out.status().message());
  return std::move(out.value().query_value);
}

// ctx:fail(message) (ours): fails the running rule with `message`, as any
// rule error does (the schedule is rolled back, the event answers the
// error), where `error error` would end the schedule and keep its writes.
// The wrangler refuses a prototype's set-up this way.
Value fail(EvalContext& ctx, const BoundArgs& a) {
  (void)ctx;
  throw KrlError(krl::to_string(a[0]));
}

// Creates a child pico (reference Pico.newPico): the child's records, a
// "system","parent" channel here (the child's way to us), a "system","child"
// channel on the child (our way to it, returned), the child's own
// "system","self" channel, and the child's installations, in order. Every
// url is loaded first, so a bad one fails the action before anything is
// written. The child's rulesets start (globals run) when the child is loaded.
Value new_pico(EvalContext& ctx, const BoundArgs& a) {
  RuntimeHost& h = H(ctx, "ctx:newPico");
  h.throw_if_read_only("ctx:newPico");
  static const char* kExpects = "ctx:newPico expects an array of {url, config}";
  if (!a[0].is_array()) throw krl::type_error(kExpects);
  Services& s = h.services();
  std::vector<std::pair<std::shared_ptr<const LoadedRuleset>, InstallRecord>> installs;
  for (const Value& r : a[0].as_array()) {
    const Value* url = r.is_map() ? r.as_map().find("url") : nullptr;
    if (!url || !url->is_string()) throw krl::type_error(kExpects);
    InstallRecord ir;
    ir.url = url->as_string();
    const Value* cfg = r.as_map().find("config");
    if (cfg && !cfg->is_null() && !cfg->is_map()) throw krl::type_error(kExpects);
    ir.config = cfg && cfg->is_map() ? cfg->as_map() : Map();
    auto rs = load_ruleset(s, ir.url);
    // The same rid twice: the later config wins, the first position stays.
    bool seen = false;
    for (auto& [prev, prev_rec] : installs) {
      if (prev->rid == rs->rid) {
        prev_rec.config = ir.config;
        prev_rec.url = ir.url;
        seen = true;
      }
    }
    if (!seen) {
      ir.order = static_cast<std::int64_t>(installs.size());
      installs.emplace_back(std::move(rs), std::move(ir));
    }
  }
  std::string child = s.new_id();
  // A child lives in its parent's slot (docs/cluster.md), so a collection
  // and its devices move together; a child of a pico without one gets its own.
  const std::optional<cluster::Slot> parent_slot = h.pico().record().slot;
  const cluster::Slot child_slot = parent_slot ? *parent_slot : s.slot_for_new_pico();
  ChannelRecord parent_link;  // on this pico, used by the child to reach us
  parent_link.eci = s.new_eci(parent_slot);
  parent_link.pico_id = h.pico().id();
  parent_link.tags = {"system", "parent"};
  parent_link.family_pico_id = child;
  parent_link.order = next_order(h);
  ChannelRecord self;  // the child's own channel
  self.eci = s.new_eci(child_slot);
  self.pico_id = child;
  self.tags = {"system", "self"};
  self.family_pico_id = child;
  self.order = 0;
  ChannelRecord child_link;  // on the child, used by us
  child_link.eci = s.new_eci(child_slot);
  child_link.pico_id = child;
  child_link.tags = {"system", "child"};
  child_link.family_pico_id = h.pico().id();
  child_link.order = 1;
  PicoRecord rec;
  rec.parent = parent_link.eci;
  rec.created_ms = s.now_ms();
  rec.next_channel_order = 2;  // self and child_link
  rec.next_child_order = 0;
  rec.slot = child_slot;
  // The child exists at once for this schedule (ctx:eventQuery on it runs its
  // rules inside this transaction); its globals run now.
  std::string err;
  auto state = PicoState::create(s.store(), s, child, rec, {self, child_link}, installs, &err);
  if (!state) throw KrlError("ctx:newPico: " + err);
  Transaction& txn = h.txn();
  pico_records::put_pico(&txn.batch, child, rec);
  for (const ChannelRecord* c : {&self, &child_link}) {
    pico_records::put_channel(&txn.batch, *c);
    txn.channel_changes.emplace_back(c->eci, *c);
  }
  for (const auto& [rs, ir] : installs) {
    pico_records::put_installation(&txn.batch, child, rs->rid, ir);
  }
  txn.created.emplace(child, std::move(state));
  h.put_channel(std::move(parent_link));
  h.add_child(child_link.eci);
  return Value(child_link.eci);
}

// Deletes the child behind child link `eci` and its whole subtree
// (reference Pico.delPico), with the family channel it used to reach us.
Value del_pico(EvalContext& ctx, const BoundArgs& a) {
  RuntimeHost& h = H(ctx, "ctx:delPico");
  h.throw_if_read_only("ctx:delPico");
  std::string eci = krl::to_string(a[0]);
  if (!h.has_child(eci)) throw KrlError("delPico(" + eci + ") - not found in children ECIs");
  auto link = h.services().channel(h.txn(), eci);
  if (!link) throw KrlError("delPico(" + eci + ") - not found in children ECIs");
  auto parent_link = h.services().delete_pico_tree(h.txn(), link->pico_id);
  if (!parent_link.ok()) throw KrlError("delPico(" + eci + "): " + parent_link.status().message());
  h.remove_child(eci);
  if (parent_link.value() && h.channel(*parent_link.value())) h.del_channel(*parent_link.value());
  return Value();
}

// ctx:logs() (the reference's getPicoLogs): this pico's kept episodes
// (logs/episode_log.h) as the reference's log entries, oldest first. Reads
// what is committed: a query sees the episodes of every event answered before it.
constexpr std::size_t kMaxLogEpisodes = 1000;
Value logs(EvalContext& ctx, const BoundArgs&) {
  RuntimeHost& h = H(ctx, "ctx:logs");
  Array out;
  for (const StoredEpisode& e :
       newest_episodes(h.pico().store(), h.pico().id(), kMaxLogEpisodes, 0)) {
    reference_entries(e, &out);
  }
  return Value(std::move(out));
}

}  // namespace

const krl::Module& ctx_module() {
  using K = krl::Function::Kind;
  static const krl::Module m{
      "ctx",
      {
          {"picoId", {}, pico_id, K::Function, true},
          {"rid", {}, rid, K::Function, true},
          {"rid_url", {}, rid_url, K::Function, true},
          {"rid_config", {}, rid_config, K::Function, true},
          {"rid_version", {}, rid_version, K::Function, true},
          {"rid_name", {}, rid_name, K::Function, true},
          {"rid_description", {}, rid_description, K::Function, true},
          {"rid_author", {}, rid_author, K::Function, true},
          {"parent", {}, parent, K::Function, true},
          {"children", {}, children, K::Function, true},
          {"hasChild", {"eci"}, has_child},
          {"channels", {}, channels, K::Function, true},
          {"hasChannel", {"eci"}, has_channel},
          {"channel", {"eci"}, channel},
          {"channelsTagged", {"tags"}, channels_tagged},
          {"rulesets", {}, rulesets, K::Function, true},
          {"registeredURL", {"rid"}, registered_url},
          {"logs", {}, logs},
          {"entityVariables", {"maxVariables", "maxValueBytes"}, ctx_entity_variables},
          {"newPico", {"rulesets"}, new_pico, K::Action},
          {"delPico", {"eci"}, del_pico, K::Action},
          {"newChannel",
           {"tags", "eventPolicy", "queryPolicy", "attrsSchema", "rateLimit"},
           new_channel,
           K::Action},
          {"putChannel",
           {"eci", "tags", "eventPolicy", "queryPolicy", "attrsSchema", "rateLimit"},
           put_channel,
           K::Action},
          {"upsertChannel",
           {"tags", "eventPolicy", "queryPolicy", "attrsSchema", "rateLimit"},
           upsert_channel,
           K::Action},
          {"delChannel", {"eci"}, del_channel, K::Action},
          {"install", {"url", "config"}, install, K::Action},
          {"uninstall", {"rid"}, uninstall, K::Action},
          {"flush", {"url"}, flush, K::Action},
          {"raiseEvent", {"domain", "name", "attrs", "forRid"}, raise_event, K::Action},
          {"event", {"eci", "domain", "name", "attrs", "host"}, event, K::Action},
          {"query", {"eci", "rid", "name", "args"}, query},
          {"tryQuery", {"eci", "rid", "name", "args"}, try_query},
          {"eventWait", {"eci", "domain", "name", "attrs", "failOnError"}, event_wait, K::Action},
          {"fail", {"message"}, fail},
          {"eventQuery",
           {"eci", "domain", "name", "attrs", "rid", "queryName", "args"},
           event_query,
           K::Action},
      }};
  return m;
}

}  // namespace spime::runtime
