#include "engine/runtime/rulesets/ruleset_registry.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>

#include "engine/krl/compiler.h"
#include "engine/krl/parser.h"
#include "engine/krl/stdlib/digest.h"
#include "engine/krl/stdlib/stdlib.h"
#include "engine/runtime/modules/runtime_modules.h"
#include "engine/runtime/records/records.h"
#include "engine/runtime/select_when/select_bridge.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"

namespace spime::runtime {

namespace {

constexpr std::string_view kFileScheme = "file://";

// `use module` static checks against what is registered now.
class RegistryResolver : public krl::ModuleResolver {
 public:
  explicit RegistryResolver(const RulesetRegistry& r) : registry_(r) {}
  std::optional<std::vector<std::string>> provided_names(std::string_view rid) override {
    auto rs = registry_.get(rid);
    if (!rs) return std::nullopt;
    return rs->program->meta().provides;
  }

 private:
  const RulesetRegistry& registry_;
};

// The rids `program` uses as modules.
std::vector<std::string> module_uses(const krl::Program& program) {
  std::vector<std::string> out;
  for (const auto& u : program.meta().use) out.push_back(u.rid);
  return out;
}

// The first cycle in `graph` (rid -> used rids), as a path that ends where it
// starts ("a", "b", "a"); empty when there is none. Depth-first with an
// explicit stack: no recursion however long the chains.
std::vector<std::string> find_cycle(const std::map<std::string, std::vector<std::string>>& graph) {
  enum class Mark { kNew, kOnPath, kDone };
  std::map<std::string, Mark> mark;
  for (const auto& [start, unused] : graph) {
    if (mark[start] != Mark::kNew) continue;
    std::vector<std::pair<std::string, size_t>> path{{start, 0}};  // node, next dep
    mark[start] = Mark::kOnPath;
    while (!path.empty()) {
      std::string node = path.back().first;
      auto deps = graph.find(node);
      size_t next = path.back().second++;
      if (deps == graph.end() || next >= deps->second.size()) {
        mark[node] = Mark::kDone;
        path.pop_back();
        continue;
      }
      const std::string& dep = deps->second[next];
      Mark m = mark[dep];
      if (m == Mark::kOnPath) {
        std::vector<std::string> cycle;
        bool in = false;
        for (const auto& p : path) {
          in = in || p.first == dep;
          if (in) cycle.push_back(p.first);
        }
        cycle.push_back(dep);
        return cycle;
      }
      if (m == Mark::kNew) {
        mark[dep] = Mark::kOnPath;
        path.emplace_back(dep, 0);
      }
    }
  }
  return {};
}

// "a -> b -> a", rotated to start at `prefer` when it is on the cycle (as
// the reference's formatCycle).
std::string format_cycle(const std::vector<std::string>& cycle, const std::string& prefer) {
  std::vector<std::string> nodes(cycle.begin(), cycle.end() - 1);
  auto at = std::find(nodes.begin(), nodes.end(), prefer);
  if (at != nodes.end()) std::rotate(nodes.begin(), at, nodes.end());
  nodes.push_back(nodes.front());
  std::string out;
  for (const auto& n : nodes) out += (out.empty() ? "" : " -> ") + n;
  return out;
}

}  // namespace

RulesetRegistry::RulesetRegistry(store::Store* store, std::shared_ptr<const Clock> clock)
    : store_(store), clock_(std::move(clock)) {}

RulesetRegistry::Result RulesetRegistry::compile(const std::string& url, const std::string& source,
                                                 std::int64_t flushed_ms) const {
  Result out;
  if (source.size() > krl::kMaxSourceBytes) {
    out.error =
        url + ": ruleset source is larger than " + std::to_string(krl::kMaxSourceBytes) + " bytes";
    return out;
  }
  if (!looks_like_ruleset(source)) {
    out.error = not_a_ruleset_error(url);
    return out;
  }
  krl::ParseError perr;
  auto ast = krl::parse_ruleset(source, url, &perr);
  if (!ast) {
    out.error = perr.format();
    return out;
  }
  RegistryResolver resolver(*this);
  krl::CompileOptions options;
  options.file = url;
  options.host_modules = runtime_modules();
  options.modules = &resolver;
  std::vector<std::string> used_host_modules;
  options.used_host_modules = &used_host_modules;
  std::vector<krl::CompileError> warnings;
  options.warnings = &warnings;
  std::vector<krl::CompileError> errors;
  auto program = krl::compile_ruleset(*ast, options, &errors);
  if (!program) {
    for (const auto& e : errors) {
      if (!out.error.empty()) out.error += "\n";
      out.error += e.format();
    }
    if (out.error.empty()) out.error = url + ": ruleset does not compile";
    return out;
  }
  auto rs = std::make_shared<LoadedRuleset>();
  rs->rid = program->rid();
  rs->url = url;
  rs->source = source;
  rs->flushed_ms = flushed_ms;
  rs->warnings = std::move(warnings);
  rs->hash = krl::stdlib::digest("sha256", source);
  rs->hash = krl::stdlib::hex_encode(rs->hash);
  rs->calls_blocking_module =
      std::any_of(used_host_modules.begin(), used_host_modules.end(),
                  [](const std::string& m) { return is_blocking_module(m); });
  const auto& rules = program->rules();
  std::vector<std::shared_ptr<const SelectWhen>> selects(rules.size());
  for (size_t i = 0; i < rules.size(); ++i) {
    if (!rules[i].active || !rules[i].select) continue;
    std::string err;
    selects[i] = compile_rule_select(*rules[i].select, i, rules[i].within_ms, &err);
    if (!selects[i]) {
      if (!out.error.empty()) out.error += "\n";
      out.error += url + ":" + std::to_string(rules[i].loc.line) + ":" +
                   std::to_string(rules[i].loc.col) + ": rule " + rules[i].name + ": " + err;
    }
  }
  if (!out.error.empty()) return out;
  rs->select = std::make_shared<const RuleSelects>(std::move(selects));
  rs->program = std::move(program);
  out.ruleset = std::move(rs);
  return out;
}

std::string RulesetRegistry::dependency_cycle(const LoadedRuleset& rs) const {
  std::map<std::string, std::vector<std::string>> graph;
  {
    ReaderLock lock(mu_);
    for (const auto& [rid, other] : by_rid_) graph[rid] = module_uses(*other->program);
  }
  graph[rs.rid] = module_uses(*rs.program);
  auto cycle = find_cycle(graph);
  return cycle.empty() ? "" : "Dependency Cycle Found: " + format_cycle(cycle, rs.rid);
}

void RulesetRegistry::put(std::shared_ptr<const LoadedRuleset> rs) {
  WriterLock lock(mu_);
  auto old = by_rid_.find(rs->rid);
  if (old != by_rid_.end() && old->second->url != rs->url) rid_by_url_.erase(old->second->url);
  rid_by_url_[rs->url] = rs->rid;
  load_errors_.erase(rs->rid);
  by_rid_[rs->rid] = std::move(rs);
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

RulesetRegistry::Result RulesetRegistry::register_source(const std::string& url,
                                                         const std::string& source) {
  const std::int64_t now_ms = clock_->now_ms();
  Result r = compile(url, source, now_ms);
  if (!r.ruleset) return r;
  // One registration at a time, so two cannot close a cycle between them.
  MutexLock registering(register_mu_);
  r.error = dependency_cycle(*r.ruleset);
  if (!r.error.empty()) {
    r.ruleset.reset();
    return r;
  }
  if (store_) {
    store::WriteBatch batch;
    auto old = get(r.ruleset->rid);
    if (old && old->url != url) batch.erase(store::keys::rid_by_url(old->url));
    batch.put(store::keys::ruleset(r.ruleset->rid),
              encode_record(RulesetRecord{url, source, r.ruleset->hash, now_ms}));
    batch.put(store::keys::rid_by_url(url), r.ruleset->rid);
    std::string err;
    if (!store_->write(batch, &err)) {
      r.error = "cannot persist ruleset " + r.ruleset->rid + ": " + err;
      r.ruleset.reset();
      return r;
    }
  }
  put(r.ruleset);
  return r;
}

RulesetRegistry::Result RulesetRegistry::flush(const std::string& url) {
  Result r;
  std::string source;
  if (!read_source(url, policy_, &source, &r.error)) return r;
  return register_source(url, source);
}

RulesetRegistry::Result RulesetRegistry::compile_url(const std::string& url) const {
  Result r;
  std::string source;
  if (!read_source(url, policy_, &source, &r.error)) return r;
  return compile(url, source, clock_->now_ms());
}

bool RulesetRegistry::registered_as(const std::string& url, const std::string& source) const {
  ReaderLock lock(mu_);
  auto rid = rid_by_url_.find(url);
  if (rid == rid_by_url_.end()) return false;
  auto rs = by_rid_.find(rid->second);
  return rs != by_rid_.end() && rs->second->url == url && rs->second->source == source;
}

std::vector<std::string> RulesetRegistry::load_directory(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> errors;
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() == ".krl") files.push_back(it->path());
  }
  if (ec) {
    errors.push_back("cannot list " + dir + ": " + ec.message());
    return errors;
  }
  std::sort(files.begin(), files.end());
  // Modules before their users: retry the failures while progress is made.
  std::vector<fs::path> pending = files;
  while (!pending.empty()) {
    std::vector<fs::path> failed;
    std::vector<std::string> errs;
    for (const auto& f : pending) {
      const std::string url =
          std::string(kFileScheme) + fs::absolute(f).lexically_normal().string();
      Result r;
      std::string source;
      if (read_source(url, policy_, &source, &r.error)) {
        if (registered_as(url, source)) continue;
        r = register_source(url, source);
      }
      if (!r.ruleset) {
        failed.push_back(f);
        errs.push_back(r.error);
      }
    }
    if (failed.size() == pending.size()) {
      errors.insert(errors.end(), errs.begin(), errs.end());
      break;
    }
    pending = std::move(failed);
  }
  return errors;
}

std::vector<std::string> RulesetRegistry::load_from_store() {
  std::vector<std::string> errors;
  if (!store_) return errors;
  std::vector<RulesetRecord> records;
  std::vector<std::string> rids;  // records[i]'s, from its key
  store_->scan(store::keys::ruleset_prefix(), [&](std::string_view key, std::string_view value) {
    RulesetRecord rec;
    std::string err, rid;
    if (decode_record(std::string(value), &rec, &err) && store::keys::parse_ruleset(key, &rid)) {
      records.push_back(std::move(rec));
      rids.push_back(std::move(rid));
    } else {
      errors.push_back("bad ruleset record " + std::string(key) + ": " + err);
    }
    return true;
  });
  // Modules before their users: retry the failures while progress is made.
  while (!records.empty()) {
    std::vector<RulesetRecord> failed;
    std::vector<std::string> failed_rids, errs;
    for (std::size_t i = 0; i < records.size(); ++i) {
      Result r = compile(records[i].url, records[i].source, records[i].flushed_ms);
      if (r.ruleset) {
        put(r.ruleset);
      } else {
        errs.push_back(r.error);
        failed.push_back(std::move(records[i]));
        failed_rids.push_back(rids[i]);
      }
    }
    if (failed.size() == records.size()) {
      WriterLock lock(mu_);
      for (std::size_t i = 0; i < failed.size(); ++i) {
        errors.push_back(failed_rids[i] + ": " + errs[i]);
        load_errors_[failed_rids[i]] = LoadError{failed_rids[i], failed[i].url, errs[i]};
      }
      break;
    }
    records = std::move(failed);
    rids = std::move(failed_rids);
  }
  return errors;
}

std::vector<RulesetRegistry::LoadError> RulesetRegistry::load_errors() const {
  ReaderLock lock(mu_);
  std::vector<LoadError> out;
  for (const auto& [rid, e] : load_errors_) out.push_back(e);
  return out;
}

bool RulesetRegistry::known_url(std::string_view url) const {
  ReaderLock lock(mu_);
  if (rid_by_url_.count(std::string(url)) != 0) return true;
  for (const auto& [rid, e] : load_errors_) {
    if (e.url == url) return true;
  }
  return false;
}

bool RulesetRegistry::needs_io_thread(const LoadedRuleset& rs) const {
  return rs.calls_blocking_module;
}

std::shared_ptr<const LoadedRuleset> RulesetRegistry::get(std::string_view rid) const {
  ReaderLock lock(mu_);
  auto it = by_rid_.find(std::string(rid));
  return it == by_rid_.end() ? nullptr : it->second;
}

std::shared_ptr<const LoadedRuleset> RulesetRegistry::get_by_url(std::string_view url) const {
  ReaderLock lock(mu_);
  auto it = rid_by_url_.find(std::string(url));
  if (it == rid_by_url_.end()) return nullptr;
  auto rs = by_rid_.find(it->second);
  return rs == by_rid_.end() ? nullptr : rs->second;
}

std::vector<std::string> RulesetRegistry::rids() const {
  ReaderLock lock(mu_);
  std::vector<std::string> out;
  for (const auto& [rid, rs] : by_rid_) out.push_back(rid);
  std::sort(out.begin(), out.end());
  return out;
}

krl::Map registration_value(const LoadedRuleset& rs) {
  krl::Array warnings;
  for (const auto& w : rs.warnings) {
    krl::Map at{{"line", krl::Value(static_cast<double>(w.loc.line))},
                {"column", krl::Value(static_cast<double>(w.loc.col))}};
    krl::Map loc{{"start", krl::Value(at)}, {"end", krl::Value(at)}};
    warnings.push_back(krl::Value(
        krl::Map{{"loc", krl::Value(std::move(loc))}, {"message", krl::Value(w.message)}}));
  }
  krl::Map compiler{{"version", krl::Value(SPIME_VERSION)},
                    {"warnings", krl::Value(std::move(warnings))}};
  return krl::Map{
      {"url", krl::Value(rs.url)},
      {"rid", krl::Value(rs.rid)},
      {"hash", krl::Value(rs.hash)},
      {"flushed", krl::Value(krl::stdlib::iso_time(static_cast<double>(rs.flushed_ms)))},
      {"compiler", krl::Value(std::move(compiler))}};
}

}  // namespace spime::runtime
