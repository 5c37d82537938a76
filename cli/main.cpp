// The spime binary: `spime <command> ...` (see command.h for exit codes).
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/command.h"

namespace {

struct Command {
  const char* name;
  int (*run)(const spime::cli::Args& args);
  const char* usage;
};

const Command kCommands[] = {
    {"serve", spime::cli::serve_command,
     "serve [--port 3000] [--host 127.0.0.1] [--data DIR] [--rulesets DIR]\n"
     "                           run the engine behind the sky HTTP API"},
    {"krl", spime::cli::krl_command,
     "krl check FILE...        parse and statically check KRL rulesets\n"
     "  krl eval 'EXPR'          evaluate a KRL expression and print it as JSON\n"
     "  krl run RULESET.krl --event DOMAIN:TYPE [--attrs JSON] [--state DIR]\n"
     "                           run one event through a pico and print what it did\n"
     "  krl bench parse|eval ... measure parse and evaluation speed"},
};

void usage(std::FILE* out) {
  std::fprintf(out, "usage: spime <command> [args]\n\ncommands:\n");
  for (const Command& c : kCommands) std::fprintf(out, "  %s\n", c.usage);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return spime::cli::kExitUsage;
  }
  std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    usage(stdout);
    return spime::cli::kExitOk;
  }
  for (const Command& c : kCommands) {
    if (name == c.name) return c.run(spime::cli::Args(argv + 2, argv + argc));
  }
  std::fprintf(stderr, "spime: unknown command '%s' (try spime --help)\n", name.c_str());
  return spime::cli::kExitUsage;
}
