// `spime krl check|eval|run|bench`: the KRL language from the command line.
//
//   check FILE...           parse and statically check, as the reference compiler;
//                           `file:line:col: message` per problem (`warning: ` for what
//                           compiles but will fail when run); fails on errors only
//   eval 'EXPR'             evaluate one expression (no pico) and print it as JSON
//   run RULESET.krl --event D:T [--attrs JSON] [--state DIR]
//                           one event through a throw-away pico (krl_run.cpp)
//   bench parse [--rules N] [--repeat R]
//                           parse a generated ruleset of N rules R times; prints lines/s
//   bench eval [--iterations N]
//                           time a threshold-check query against a compiled ruleset; ns/eval
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "cli/krl_run.h"
#include "engine/krl/compiler.h"
#include "engine/krl/parser.h"
#include "engine/krl/program.h"
#include "engine/runtime/modules/runtime_modules.h"

namespace spime::cli {
namespace {

using krl::CompileError;
using krl::CompileOptions;
using krl::EvalContext;
using krl::KrlError;
using krl::ParseError;

int check(const std::vector<std::string>& files) {
  // The modules a pico provides, so that `event:`, `ctx:`, ... members are
  // checked as they will be found at installation.
  CompileOptions options;
  options.host_modules = runtime::runtime_modules();
  int problems = 0;
  for (const std::string& file : files) {
    std::string source, error;
    if (!read_file(file, &source, &error)) {
      std::fprintf(stderr, "%s\n", error.c_str());
      ++problems;
      continue;
    }
    // Warnings (what compiles but fails when run) are printed, not counted.
    for (const CompileError& e : krl::check_ruleset_source(source, file, &options)) {
      std::fprintf(stderr, "%s\n", e.format().c_str());
      if (!e.warning) ++problems;
    }
  }
  if (problems == 0) {
    std::printf("%zu file%s ok\n", files.size(), files.size() == 1 ? "" : "s");
    return kExitOk;
  }
  return kExitRefused;
}

// Runtime errors as `<eval>:line:col: Kind: message`, like a syntax error's position.
std::string describe(const KrlError& e, const char* file) {
  std::string out = file;
  if (e.loc().line > 0) {
    out += ":" + std::to_string(e.loc().line) + ":" + std::to_string(e.loc().col);
  }
  return out + ": " + e.kind() + ": " + e.message();
}

int eval(const std::string& source) {
  const char* file = "<eval>";
  ParseError parse_error;
  krl::ast::ExprPtr expr = krl::parse_expression(source, file, &parse_error);
  if (!expr) {
    std::fprintf(stderr, "%s\n", parse_error.format().c_str());
    return kExitRefused;
  }
  CompileOptions options;
  options.file = file;
  std::vector<CompileError> errors;
  auto compiled = krl::compile_expression(*expr, options, &errors);
  if (!compiled) {
    for (const CompileError& e : errors) std::fprintf(stderr, "%s\n", e.format().c_str());
    return kExitRefused;
  }
  EvalContext ctx;
  ctx.log = [](krl::LogLevel, const std::string& line) {
    std::fprintf(stderr, "%s\n", line.c_str());
  };
  try {
    krl::Value v = compiled->evaluate(ctx);
    std::printf("%s\n", krl::encode_json(v).c_str());
    return kExitOk;
  } catch (const KrlError& e) {
    std::fprintf(stderr, "%s\n", describe(e, file).c_str());
    return kExitRefused;
  }
}

// ---- bench -------------------------------------------------------------------

// One rule of the kind the ESProto rulesets have: a select with an attribute
// matcher, foreach, pre with operators and a chevron, a conditional action, a
// postlude with an entity-variable path assignment and a raise.
std::string generated_rule(int i) {
  std::string n = std::to_string(i);
  return "  rule check_" + n + " {\n" + "    select when sensor reading_" + n +
         " name re#^probe (.*)$# setting(probe)\n" +
         "    foreach event:attr(\"readings\").defaultsTo([]) setting(reading, index)\n" +
         "    pre {\n" + "      value = reading{\"temperatureF\"}.as(\"Number\")\n" +
         "      limit = thresholds{[\"temperature\", \"upper_limit\"]}.defaultsTo(" + n + ")\n" +
         "      over = value > limit && not value.isnull()\n" +
         "      message = <<#{probe} reads #{value}, above #{limit} (rule " + n + ")>>\n" +
         "    }\n" +
         "    if over then send_directive(\"violation\", {\"message\": message, \"i\": " + n +
         "})\n" + "    fired {\n" + "      ent:last{[probe, \"value\"]} := value;\n" +
         "      raise esproto event \"threshold_violation\" attributes {\"reading\": reading}\n" +
         "    } else {\n" + "      ent:count := ent:count.defaultsTo(0) + 1\n" + "    }\n" +
         "  }\n";
}

std::string generated_ruleset(int rules) {
  std::string src =
      "ruleset bench.generated {\n"
      "  meta {\n    name \"generated\"\n    shares thresholds, summary\n  }\n"
      "  global {\n"
      "    thresholds = {\"temperature\": {\"upper_limit\": 80, \"lower_limit\": 40}}\n"
      "    summary = function(limit = 10) {\n"
      "      ent:last.defaultsTo({}).keys().slice(0, limit - 1)\n"
      "    }\n"
      "  }\n";
  for (int i = 0; i < rules; ++i) src += generated_rule(i);
  return src + "}\n";
}

int bench_parse(long rules, long repeat) {
  std::string source = generated_ruleset(static_cast<int>(rules));
  size_t lines = 0;
  for (char c : source) lines += c == '\n';
  auto start = std::chrono::steady_clock::now();
  for (long r = 0; r < repeat; ++r) {
    ParseError error;
    if (!krl::parse_ruleset(source, "<generated>", &error)) {
      std::fprintf(stderr, "%s\n", error.format().c_str());
      return kExitRefused;
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double total_lines = static_cast<double>(lines) * static_cast<double>(repeat);
  std::printf(
      "{\"lines\": %zu, \"bytes\": %zu, \"repeat\": %ld, \"seconds\": %.4f, "
      "\"lines_per_second\": %.0f, \"mb_per_second\": %.1f}\n",
      lines, source.size(), repeat, seconds, total_lines / seconds,
      static_cast<double>(source.size()) * static_cast<double>(repeat) / seconds / 1e6);
  return kExitOk;
}

// The check the ESProto device ruleset makes for every reading: thresholds of
// the sensor type, the reading's value as a number ("78.8" counts), compared
// with both limits.
const char* kEvalBenchRuleset = R"(ruleset bench.eval {
  meta { shares check }
  global {
    thresholds = {"temperature": {"upper_limit": 80, "lower_limit": 40}}
    check = function(reading, sensor_type) {
      threshold = thresholds{sensor_type};
      value = reading{"temperatureF"}.as("Number");
      value > threshold{"upper_limit"} || value < threshold{"lower_limit"}
    }
  }
})";

int bench_eval(long iterations) {
  ParseError parse_error;
  auto ast = krl::parse_ruleset(kEvalBenchRuleset, "<bench>", &parse_error);
  if (!ast) {
    std::fprintf(stderr, "%s\n", parse_error.format().c_str());
    return kExitRefused;
  }
  CompileOptions options;
  options.file = "<bench>";
  std::vector<CompileError> errors;
  auto program = krl::compile_ruleset(*ast, options, &errors);
  if (!program) {
    for (const CompileError& e : errors) std::fprintf(stderr, "%s\n", e.format().c_str());
    return kExitRefused;
  }
  EvalContext ctx;
  auto instance = krl::RulesetInstance::create(program, krl::InstanceOptions{}, ctx);
  krl::Args call;
  call.positional.push_back(krl::Map{{"name", "probe temp"}, {"temperatureF", "78.8"}});
  call.positional.push_back("temperature");
  int selected = 0;
  auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < iterations; ++i) {
    ctx.steps = 0;  // each check is its own top-level evaluation
    selected += krl::truthy(instance->query("check", call, ctx));
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"iterations\": %ld, \"seconds\": %.4f, \"ns_per_eval\": %.1f, \"true\": %d}\n",
              iterations, seconds, seconds * 1e9 / static_cast<double>(iterations), selected);
  return kExitOk;
}

}  // namespace

void add_krl_commands(CLI::App& app, Outcome* out) {
  CLI::App* krl = app.add_subcommand("krl", "the KRL language: check, evaluate, run, measure");

  auto files = std::make_shared<std::vector<std::string>>();
  CLI::App* check_cmd = krl->add_subcommand(
      "check", "parse and statically check rulesets: file:line:col: message per problem");
  check_cmd->add_option("files", *files, "the .krl files")->required()->type_name("FILE...");
  check_cmd->callback([files, out] { out->run = [files] { return check(*files); }; });

  auto expr = std::make_shared<std::string>();
  CLI::App* eval_cmd =
      krl->add_subcommand("eval", "evaluate one KRL expression (no pico) and print it as JSON");
  eval_cmd->add_option("expr", *expr, "the expression (after --, when it begins with -)")
      ->required()
      ->type_name("EXPR");
  eval_cmd->callback([expr, out] { out->run = [expr] { return eval(*expr); }; });

  auto run = std::make_shared<KrlRunOptions>();
  CLI::App* run_cmd = krl->add_subcommand(
      "run", "run one event through a throw-away pico (or --state DIR) and print what it did");
  run_cmd->add_option("ruleset", run->file, "the .krl file")->required()->type_name("RULESET.krl");
  run_cmd->add_option("--event", run->event, "the event")->required()->type_name("DOMAIN:TYPE");
  run_cmd->add_option("--attrs", run->attrs_json, "its attributes, a JSON object")
      ->default_str("{}")
      ->type_name("JSON");
  run_cmd->add_option("--state", run->state_dir, "keep the pico's state in DIR across runs")
      ->type_name("DIR");
  run_cmd->callback([run, out] { out->run = [run] { return krl_run(*run); }; });

  CLI::App* bench = krl->add_subcommand("bench", "measure parse and evaluation speed");
  auto rules = std::make_shared<long>(5000);
  auto repeat = std::make_shared<long>(5);
  CLI::App* bench_parse_cmd = bench->add_subcommand(
      "parse", "parse a generated ruleset of N rules R times; prints lines per second");
  bench_parse_cmd->add_option("--rules", *rules, "rules in the generated ruleset")
      ->check(CLI::PositiveNumber)
      ->default_str("5000")
      ->type_name("N");
  bench_parse_cmd->add_option("--repeat", *repeat, "times to parse it")
      ->check(CLI::PositiveNumber)
      ->default_str("5")
      ->type_name("R");
  bench_parse_cmd->callback([rules, repeat, out] {
    out->run = [rules, repeat] { return bench_parse(*rules, *repeat); };
  });
  auto iterations = std::make_shared<long>(1000000);
  CLI::App* bench_eval_cmd = bench->add_subcommand(
      "eval", "time a threshold-check query against a compiled ruleset; ns per evaluation");
  bench_eval_cmd->add_option("--iterations", *iterations, "evaluations to time")
      ->check(CLI::PositiveNumber)
      ->default_str("1000000")
      ->type_name("N");
  bench_eval_cmd->callback(
      [iterations, out] { out->run = [iterations] { return bench_eval(*iterations); }; });
}

}  // namespace spime::cli
