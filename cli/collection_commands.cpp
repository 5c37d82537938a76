// `spime collection new|add|rm|ls` and `spime status`: collections of
// spimes, as the spimes rulesets keep them.
//   - A collection is a child pico made with the prototype "collection"
//     (wrangler:new_child_request {name, prototype}; new_pico.h).
//   - Members are added and removed by the pico holding the collection and
//     the member as children (the collection's parent), which has the
//     `spimes` ruleset: spimes:add_to_collection {collection, member,
//     collection_role?, subscriber_role?} and spimes:remove_from_collection
//     {collection, member}, both by name.
//   - A member on another engine (--member-host URL) is named on that
//     engine and gets a channel of the command line's own there, tagged
//     spime-member, admitting only what the collection's side asks of it
//     (wrangler:subscription; the wrangler's name and id): the parent gets
//     spimes:add_to_collection {collection, member_eci: that channel,
//     member_host: URL}, and removal names the member by its pico id.
//   - The answer's directive says whether anything changed: member_added or
//     already_a_member, member_removed or not_a_member.
//   - On the collection, ruleset spimes_collection shares members() and
//     status().
#include <cstdio>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/arguments.h"
#include "cli/command.h"
#include "cli/engine_client.h"
#include "cli/new_pico.h"
#include "cli/pico_tree.h"
#include "cli/table.h"

namespace spime::cli {

namespace {

constexpr const char* kSpimesRid = "spimes";
constexpr const char* kSpimesDomain = "spimes";
constexpr const char* kCollectionRid = "spimes_collection";
constexpr const char* kWranglerRid = "io.picolabs.wrangler";
constexpr const char* kMemberChannelTag = "spime-member";

struct CollectionArgs {
  ClientFlags client;
  NewPico made;  // made.name: the collection
  std::string member, collection_role, subscriber_role;
  std::string member_host;  // the member's engine, when not the collection's
};

// A member on another engine: its pico there, the channel the collection's
// side uses (kMemberChannelTag) and its pico id.
struct RemoteMember {
  Pico pico;
  std::string eci, id;
};

// What the collection's side asks of a remote member (spimes.krl): the
// subscription request, and the wrangler's name and id.
json member_event_policy() {
  return {{"allow", json::array({{{"domain", "wrangler"}, {"name", "subscription"}}})},
          {"deny", json::array()}};
}
json member_query_policy() {
  return {{"allow", json::array({{{"rid", kWranglerRid}, {"name", "name"}},
                                 {{"rid", kWranglerRid}, {"name", "id"}}})},
          {"deny", json::array()}};
}

// The engine at a.member_host; a url that does not parse is bad usage.
Problem open_member_host(const CollectionArgs& a, std::unique_ptr<EngineClient>* out) {
  ClientFlags flags;
  flags.url = a.member_host;
  Problem problem;
  *out = EngineClient::open(flags, &problem);
  if (*out) return {};
  const std::string said = "--url: ";  // EngineClient::open names the option it knows
  if (problem.message.rfind(said, 0) == 0) problem.message.erase(0, said.size());
  return usage("--member-host: " + problem.message);
}

// Finds a.member on `remote` (the engine at a.member_host), with its channel
// for the collection (made the first time) and its id.
Problem find_remote_member(EngineClient& remote, const CollectionArgs& a, RemoteMember* out) {
  auto there = [&remote](Problem p) {
    if (p.exit_code == kExitRefused) p.message = "at " + remote.url() + ": " + p.message;
    return p;
  };
  if (Problem p = find_pico(remote, a.member, &out->pico)) return there(p);
  if (Problem p = own_channel(remote, out->pico.ui_eci, kMemberChannelTag, member_event_policy(),
                              member_query_policy(), &out->eci))
    return there(p);
  Answer id = remote.query(out->eci, kWranglerRid, "id");
  if (id.problem) return there(id.problem);
  if (!id.body.is_string()) return there(refused("unexpected answer to wrangler/id: " + id.text));
  out->id = id.body.get<std::string>();
  return {};
}

// Whether an event's answer carries a directive named `name`.
bool has_directive(const json& answer, const std::string& name) {
  const json directives = member(answer, "directives");
  if (!directives.is_array()) return false;
  for (const auto& d : directives) {
    if (text_at(d, "name") == name) return true;
  }
  return false;
}

// Installs `spimes` on the pico behind `ui_eci` unless it has it: from the
// folder its wrangler came from (the engine's shipped rulesets), with
// wrangler:install_ruleset_request {absoluteURL, rid}.
Problem ensure_spimes(EngineClient& engine, const Pico& pico) {
  json details;
  if (Problem p = pico_details(engine, pico.ui_eci, &details)) return p;
  if (has_ruleset(details, kSpimesRid)) return {};
  std::string wrangler_url;
  for (const auto& r : details.value("rulesets", json::array())) {
    if (r.value("rid", "") == "io.picolabs.wrangler") wrangler_url = r.value("url", "");
  }
  if (wrangler_url.empty()) {
    return refused(pico.path + " has no ruleset " + kSpimesRid +
                   " (install it: spime ruleset install '" + pico.path + "' URL)");
  }
  std::string eci;
  if (Problem p = cli_channel(engine, pico.ui_eci, &eci)) return p;
  Answer answer = engine.event(eci, "wrangler", "install_ruleset_request",
                               {{"absoluteURL", wrangler_url}, {"rid", kSpimesRid}});
  return answer.problem;
}

// Sends spimes:add_to_collection (or remove_from_collection) for the
// collection and the member to the collection's parent (installing `spimes`
// there first when it is missing). The member is a sibling of the
// collection, or with --member-host a pico of another engine.
Problem change_membership(EngineClient& engine, const CollectionArgs& a, bool add) {
  std::unique_ptr<EngineClient> remote_engine;
  if (!a.member_host.empty()) {
    if (Problem p = open_member_host(a, &remote_engine)) return p;
  }
  Pico collection, parent;
  if (Problem p = find_pico(engine, a.made.name, &collection)) return p;
  json attrs = {{"collection", collection.name}};
  std::string member_path;
  if (a.member_host.empty()) {
    Pico member;
    if (Problem p = find_pico(engine, a.member, &member)) return p;
    if (collection.parent_ui_eci.empty() || collection.parent_ui_eci != member.parent_ui_eci) {
      return refused(collection.path + " and " + member.path +
                     " must be children of the same pico (it keeps the collection)");
    }
    attrs["member"] = member.name;
    member_path = member.path;
  } else {
    if (collection.parent_ui_eci.empty())
      return refused(collection.path +
                     " is the root: a collection is a child of the pico that keeps it");
    RemoteMember remote;
    if (Problem p = find_remote_member(*remote_engine, a, &remote)) return p;
    if (add) {
      attrs["member_eci"] = remote.eci;
      attrs["member_host"] = remote_engine->url();
    } else {
      attrs["member"] = remote.id;
      attrs["member_host"] = remote_engine->url();
    }
    member_path = remote.pico.path + " at " + remote_engine->url();
  }
  if (Problem p = find_pico(engine, collection.parent_ui_eci, &parent)) return p;
  if (Problem p = ensure_spimes(engine, parent)) return p;
  if (!a.collection_role.empty()) attrs["collection_role"] = a.collection_role;
  if (!a.subscriber_role.empty()) attrs["subscriber_role"] = a.subscriber_role;
  std::string eci;
  if (Problem p = cli_channel(engine, parent.ui_eci, &eci)) return p;
  Answer answer =
      engine.event(eci, kSpimesDomain, add ? "add_to_collection" : "remove_from_collection", attrs);
  if (answer.problem) return answer.problem;
  if (a.client.json) {
    std::printf("%s\n", answer.text.c_str());
  } else if (has_directive(answer.body, add ? "already_a_member" : "not_a_member")) {
    std::printf("%s %s in %s: nothing to do\n", member_path.c_str(), add ? "is already" : "is not",
                collection.path.c_str());
  } else {
    std::printf("%s %s %s %s\n", add ? "added" : "removed", member_path.c_str(),
                add ? "to" : "from", collection.path.c_str());
  }
  return {};
}

// A query of spimes_collection on the collection's spime-cli channel.
Problem collection_query(EngineClient& engine, const std::string& name, const char* function,
                         const json& args, Answer* out) {
  std::string eci;
  if (Problem p = target_eci(engine, name, &eci)) return p;
  *out = engine.query(eci, kCollectionRid, function, args);
  return out->problem;
}

Problem list_collections(EngineClient& engine, bool as_json) {
  PicoTree tree;
  if (Problem p = PicoTree::load(engine, &tree)) return p;
  json found = json::array();
  Problem problem;
  tree.each([&](const Pico& p, int) {
    json details;
    if (problem || (problem = pico_details(engine, p.ui_eci, &details))) return;
    if (has_ruleset(details, kCollectionRid))
      found.push_back({{"name", p.name}, {"path", p.path}, {"eci", p.ui_eci}});
  });
  if (problem) return problem;
  if (as_json) {
    std::printf("%s\n", found.dump().c_str());
    return {};
  }
  Table table({"COLLECTION", "PATH", "UI ECI"});
  for (const auto& c : found) table.add({cell(c["name"]), cell(c["path"]), cell(c["eci"])});
  table.print();
  return {};
}

Problem list_members(EngineClient& engine, const CollectionArgs& a) {
  Answer answer;
  if (Problem p = collection_query(engine, a.made.name, "members", json::object(), &answer))
    return p;
  if (a.client.json) {
    std::printf("%s\n", answer.text.c_str());
    return {};
  }
  Table table({"MEMBER", "ID", "ROLE", "ECI", "HOST"});
  for (const auto& m : answer.body.is_array() ? answer.body : json::array()) {
    table.add({cell(member(m, "name")), cell(member(m, "id")), cell(member(m, "subscriber_role")),
               cell(member(m, "eci")), cell(member(m, "Tx_host"))});
  }
  table.print();
  return {};
}

Problem status(EngineClient& engine, const CollectionArgs& a) {
  Answer answer;
  if (Problem p = collection_query(engine, a.made.name, "status", json::object(), &answer))
    return p;
  if (a.client.json) {
    std::printf("%s\n", answer.text.c_str());
    return {};
  }
  Table table({"MEMBER", "ID", "LAST HEARD", "BATTERY", "SILENT"});
  for (const auto& m : answer.body.is_array() ? answer.body : json::array()) {
    table.add({cell(member(m, "name")), cell(member(m, "id")), cell(member(m, "last_heard")),
               cell(member(m, "battery")), cell(member(m, "silent"))});
  }
  table.print();
  return {};
}

void add_collection_options(CLI::App* cmd, CollectionArgs* a, bool roles) {
  cmd->add_option("collection", a->made.name, "the collection (name, path or UI ECI)")
      ->required()
      ->type_name("COLLECTION");
  cmd->add_option("member", a->member,
                  "the member (name, path or UI ECI; on the --member-host engine when given)")
      ->required()
      ->type_name("MEMBER");
  cmd->add_option("--member-host", a->member_host,
                  "the member is a pico of the engine at this URL, as the collection's engine "
                  "reaches it (http://HOST[:PORT])")
      ->type_name("URL");
  if (roles) {
    cmd->add_option("--collection-role", a->collection_role, "the collection's role")
        ->type_name("ROLE");
    cmd->add_option("--subscriber-role", a->subscriber_role, "the member's role")
        ->type_name("ROLE");
  }
  add_client_flags(cmd, &a->client);
}

}  // namespace

void add_collection_commands(CLI::App& app, Outcome* out) {
  CLI::App* collection =
      app.add_subcommand("collection", "collections of spimes: make, add to, remove from, list");

  auto made = std::make_shared<CollectionArgs>();
  CLI::App* cmd = collection->add_subcommand(
      "new", "make a collection: a child pico of the prototype \"collection\"");
  cmd->add_option("name", made->made.name, "its name")->required()->type_name("NAME");
  cmd->add_option("--parent", made->made.parent, "the parent pico (default: the root)")
      ->type_name("PICO");
  add_client_flags(cmd, &made->client);
  run_with_engine(cmd, out, "collection new", &made->client, [made](EngineClient& engine) {
    NewPico request = made->made;
    request.prototype = "collection";
    return new_pico(engine, request, made->client.json);
  });

  auto added = std::make_shared<CollectionArgs>();
  cmd = collection->add_subcommand(
      "add", "add a member (a sibling pico, or a pico of another engine) to a collection");
  add_collection_options(cmd, added.get(), true);
  run_with_engine(cmd, out, "collection add", &added->client, [added](EngineClient& engine) {
    return change_membership(engine, *added, /*add=*/true);
  });

  auto removed = std::make_shared<CollectionArgs>();
  cmd = collection->add_subcommand("rm", "remove a member from a collection");
  add_collection_options(cmd, removed.get(), false);
  run_with_engine(cmd, out, "collection rm", &removed->client, [removed](EngineClient& engine) {
    return change_membership(engine, *removed, /*add=*/false);
  });

  auto listed = std::make_shared<CollectionArgs>();
  cmd = collection->add_subcommand("ls", "the collections, or the members of one");
  cmd->add_option("collection", listed->made.name, "list this collection's members")
      ->type_name("COLLECTION");
  add_client_flags(cmd, &listed->client);
  run_with_engine(cmd, out, "collection ls", &listed->client, [listed](EngineClient& engine) {
    return listed->made.name.empty() ? list_collections(engine, listed->client.json)
                                     : list_members(engine, *listed);
  });

  auto state = std::make_shared<CollectionArgs>();
  cmd = app.add_subcommand("status", "each member of a collection: last heard, battery, silent");
  cmd->add_option("collection", state->made.name, "the collection (name, path or UI ECI)")
      ->required()
      ->type_name("COLLECTION");
  add_client_flags(cmd, &state->client);
  run_with_engine(cmd, out, "status", &state->client,
                  [state](EngineClient& engine) { return status(engine, *state); });
}

}  // namespace spime::cli
