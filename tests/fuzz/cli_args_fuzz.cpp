// Fuzz target: the spime command line's parse (cli/app.h), without running
// any command.
//
// The input is split at '\n' into the words after `spime` (at most 64
// words). The real table is built (cli::build_app) and parsed; a parse
// error is the expected answer to most inputs; the command the parse
// selects (Outcome::run) is never called. The app is built once per process
// (building it costs milliseconds under ASan): CLI11's parse starts with
// App::clear(), which resets every option's and subcommand's results, so a
// parse does not depend on the inputs before it. Variables bound to options
// keep old values, but nothing reads them without running a command.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/app.h"
#include "cli/command.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> words{"spime"};
  std::string_view rest = spime::fuzz::as_text(data, size);
  while (!rest.empty() && words.size() <= 64) {
    auto [word, after] = spime::fuzz::split_first(rest, '\n');
    words.emplace_back(word);
    rest = after;
  }
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);

  static spime::cli::Outcome outcome;
  static CLI::App& app = []() -> CLI::App& {
    static CLI::App built{"spime", "spime"};
    spime::cli::build_app(built, &outcome);
    return built;
  }();
  outcome.run = nullptr;
  try {
    app.parse(static_cast<int>(words.size()), argv.data());
  } catch (const CLI::Error&) {
  }
  return 0;
}
