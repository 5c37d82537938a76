// `spime backup DIR`: see backup_command.h.
#include "cli/backup_command.h"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/engine_client.h"

namespace spime::cli {

namespace {

struct BackupArgs {
  ClientFlags client;
  std::string dir;
};

Problem backup(EngineClient& engine, const BackupArgs& a) {
  std::error_code ec;
  const std::string dir = std::filesystem::absolute(a.dir, ec).lexically_normal().string();
  if (ec) return usage("DIR: " + ec.message());
  Answer answer = engine.post("/api/backup", json{{"dir", dir}});
  if (answer.problem) return answer.problem;
  if (a.client.json) {
    std::printf("%s\n", answer.text.c_str());
    return {};
  }
  const json& b = answer.body;
  if (!b.is_object() || !b.contains("sequence") || !b["sequence"].is_number()) {
    return refused("unexpected answer: " + answer.text);
  }
  std::printf("%s: sequence %llu, %lld ms\n", b.value("dir", dir).c_str(),
              static_cast<unsigned long long>(b["sequence"].get<double>()),
              static_cast<long long>(b.value("ms", 0.0)));
  return {};
}

}  // namespace

void add_backup_command(CLI::App& app, Outcome* out) {
  auto a = std::make_shared<BackupArgs>();
  CLI::App* cmd = app.add_subcommand(
      "backup", "copy a running engine's data directory into DIR (serve it with --data DIR)");
  cmd->add_option("dir", a->dir,
                  "a new directory on the engine's machine (a relative path is taken from here); "
                  "its parent must exist")
      ->required()
      ->type_name("DIR");
  add_client_flags(cmd, &a->client);
  run_with_engine(cmd, out, "backup", &a->client,
                  [a](EngineClient& engine) { return backup(engine, *a); });
}

}  // namespace spime::cli
