// `spime device set`: new settings for a device pico, as the event
// esproto:new_instructions {"settings": {KEY: VALUE, ...}} (a VALUE that
// parses as JSON is that value, any other a string).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/arguments.h"
#include "cli/command.h"
#include "cli/engine_client.h"
#include "cli/pico_tree.h"
#include "cli/table.h"

namespace spime::cli {

namespace {

struct DeviceArgs {
  ClientFlags client;
  std::string device;
  std::vector<std::string> settings;
};

Problem set(EngineClient& engine, const DeviceArgs& a) {
  json settings;
  std::string error;
  if (!assignments(a.settings, &settings, &error)) return usage(error);
  std::string eci;
  if (Problem p = target_eci(engine, a.device, &eci)) return p;
  Answer answer = engine.event(eci, "esproto", "new_instructions", {{"settings", settings}});
  if (answer.problem) return answer.problem;
  if (a.client.json) {
    std::printf("%s\n", answer.text.c_str());
    return {};
  }
  std::vector<std::pair<std::string, std::string>> fields;
  for (const auto& [key, value] : settings.items()) fields.emplace_back(key, value.dump());
  std::printf("sent to %s:\n", a.device.c_str());
  for (auto& f : fields) f.first = "  " + f.first;
  print_fields(fields);
  return {};
}

}  // namespace

void add_device_commands(CLI::App& app, Outcome* out) {
  CLI::App* device = app.add_subcommand("device", "devices (spimes of sensors)");
  auto a = std::make_shared<DeviceArgs>();
  CLI::App* cmd =
      device->add_subcommand("set", "send a device new settings (event esproto:new_instructions)");
  cmd->add_option("device", a->device, "the device pico (name, path or UI ECI) or any ECI")
      ->required()
      ->type_name("DEVICE");
  cmd->add_option("settings", a->settings,
                  "the settings; a VALUE that parses as JSON is that value, else a string")
      ->required()
      ->type_name("KEY=VALUE...");
  add_client_flags(cmd, &a->client);
  run_with_engine(cmd, out, "device set", &a->client,
                  [a](EngineClient& engine) { return set(engine, *a); });
}

}  // namespace spime::cli
