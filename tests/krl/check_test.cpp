// The static checks of `spime krl check` (check_ruleset_source): every
// problem with the reference compiler's message, at its position, in source
// order; and the command line's output and exit status.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "engine/krl/compiler.h"
#include "tests/spime_binary.h"

using namespace spime::krl;

namespace {

std::vector<std::string> check(const std::string& src, const CompileOptions* options = nullptr) {
  std::vector<std::string> out;
  for (const auto& e : check_ruleset_source(src, "t.krl", options)) out.push_back(e.format());
  return out;
}

using Lines = std::vector<std::string>;

// Runs `spime <args>` with stderr folded into stdout; returns the exit status.
int run_spime(const std::string& args, std::string* output) {
  REQUIRE(std::filesystem::exists(spime::test::spime_binary()));  // build the `spime` target first
  std::string cmd = "'" + spime::test::spime_binary() + "' " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) output->append(buf, n);
  int status = pclose(p);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

struct TempFile {
  std::filesystem::path path;
  explicit TempFile(const std::string& text) {
    std::random_device rd;
    path =
        std::filesystem::temp_directory_path() / ("spime_check_" + std::to_string(rd()) + ".krl");
    std::ofstream(path) << text;
  }
  ~TempFile() { std::filesystem::remove(path); }
};

// A host with an `event` module of one member, for checks of host domains.
const Module& fake_event_module() {
  static const Module m{"event",
                        {{"attrs",
                          {},
                          [](EvalContext&, const BoundArgs&) { return Value(); },
                          Function::Kind::Function,
                          true}}};
  return m;
}

CompileOptions with_event_module() {
  CompileOptions options;
  options.host_modules = {&fake_event_module()};
  return options;
}

class FixedModules : public ModuleResolver {
 public:
  std::optional<std::vector<std::string>> provided_names(std::string_view rid) override {
    if (rid == "lib.known") return std::vector<std::string>{"present"};
    return std::nullopt;
  }
};

}  // namespace

TEST_CASE("check: identifiers and domains", "[check]") {
  CHECK(check(R"(ruleset a {
  global {
    k = function() { nope + zz:q }
  }
  rule r { select when t e  yy:act() }
  rule w { select where missing }
})") == Lines{
            "t.krl:3:22: Undefined id: nope",
            // The reference compiles any domain: a warning (and an error when run).
            "t.krl:3:29: warning: Undefined domain: zz",
            "t.krl:5:29: warning: Undefined domain: yy",
            "t.krl:6:25: Undefined id: missing",
        });
  // Rule scope: pre declarations, setting vars and select vars are defined;
  // a name declared in one rule is not visible in another.
  CHECK(check(R"(ruleset a {
  rule r { select when t a x re#(.)# setting(v) pre { y = v } send_directive(y) }
  rule s { select when t b send_directive(y) }
})") == Lines{"t.krl:3:43: Undefined id: y"});
  // Host modules come from the options; ent, math, time, random and stdlib are known.
  const CompileOptions host = with_event_module();
  CHECK(
      check(R"(ruleset a { global { x = event:attrs{"a"} + math:abs(-1) + time:now() + ent:v } })",
            &host)
          .empty());
  CHECK(check(R"(ruleset a { global { x = event:nothing() + math:nothing() } })", &host) ==
        Lines{"t.krl:1:26: warning: event:nothing is not defined",
              "t.krl:1:44: warning: math:nothing is not defined"});
  // Without the host, its domains are unknown too.
  CHECK(check(R"(ruleset a { global { x = event:attrs{"a"} } })") ==
        Lines{"t.krl:1:26: warning: Undefined domain: event"});
}

TEST_CASE("check: meta shares and provides", "[check]") {
  CHECK(check(R"(ruleset a {
  meta { shares f, act, nothere  provides gone, f }
  global {
    f = function() { 1 }
    act = defaction() { noop() }
  }
})") == Lines{
            "t.krl:2:20: Actions must not be shared: act",
            "t.krl:2:25: Trying to share: nothere but it's not defined in global",
            "t.krl:2:43: Trying to provide: gone but it's not defined in global",
        });
}

TEST_CASE("check: rules and persistent variables", "[check]") {
  CHECK(check(R"(ruleset a {
  rule r1 { select when t a  fired { app:x := 1; clear app:y } }
  rule r1 { select when t b }
  rule r3 { always { ent:x := 1 } }
})") == Lines{
            "t.krl:2:38: PersistentVariableAssignment - only works on ent:* variables",
            "t.krl:2:50: ClearPersistentVariable only works for `ent:`, not `app:`",
            "t.krl:3:3: Duplicate rule name: r1",
            "t.krl:4:3: rule r3 is missing a `select`",
        });
  // An inactive rule is not compiled (the reference only warns).
  CHECK(check("ruleset a { rule r is inactive { select when t a fired { app:x := 1 } } }").empty());
}

TEST_CASE("check: functions, declarations and arguments", "[check]") {
  const CompileOptions host = with_event_module();
  CHECK(check(R"(ruleset a {
  global {
    f = function(a, a) { a }
    g = function(a = 1, b) { b }
    x = 1
    x = 2
    m = event:attrs("a")
    n = f(a = 1, 2)
  }
})",
              &host) ==
        Lines{
            "t.krl:3:21: Duplicate parameter: a",
            "t.krl:4:25: Cannot have a non-default parameter after a defaulted one",
            "t.krl:6:5: Duplicate declaration: x",
            "t.krl:7:9: `event:attrs` is a Map, not a Function. Use `event:attrs{key}` instead",
            "t.krl:8:18: Once you used a named arg, all following must be named.",
        });
}

TEST_CASE("check: functions versus actions", "[check]") {
  CHECK(check(R"(ruleset a {
  global {
    act = defaction() { noop() }
    fn = function() { 1 }
    h = function() { act() }
  }
  rule r1 { select when t b  fn() }
  rule r3 { select when t c  choose 1 { noop() } }
  rule r4 { select when t d  noop() setting(p, q) }
})") == Lines{
            "t.krl:5:22: Not a function: Action",
            "t.krl:7:30: Not an action: Function",
            "t.krl:8:41: all actions inside a `choose` block need a label",
            "t.krl:9:30: Actions only return on value",
        });
}

TEST_CASE("check: regular expressions", "[check]") {
  CHECK(check(R"(ruleset a {
  global { r = "a".match(re#(#) }
  rule r7 { select when t x a re#[a# }
})") == Lines{
            "t.krl:2:26: Invalid regular expression: /(/: Unterminated group",
            "t.krl:3:29: Invalid regular expression: /[a/: Unterminated character class",
        });
}

TEST_CASE("check: used modules", "[check]") {
  FixedModules modules;
  CompileOptions options;
  options.modules = &modules;
  const std::string src = R"(ruleset a {
  meta { use module lib.known alias k  use module lib.other alias o }
  global { x = k:present() + k:absent() + o:anything() }
})";
  // The reference resolves a module's members when they are called: a warning.
  CHECK(check(src, &options) == Lines{"t.krl:3:30: warning: Module k does not provide absent"});
  // Without a resolver nothing is known of what a module provides.
  CHECK(check(src).empty());
}

TEST_CASE("check: syntax errors come from the parser", "[check]") {
  CHECK(check("ruleset p {\n  meta { name \"a\" name \"b\" }\n}") ==
        Lines{"t.krl:2:19: only 1 meta.name allowed"});
  CHECK(check("ruleset p {\n  global { null = 1 }\n}") ==
        Lines{"t.krl:2:12: Expected a declaration"});
  CHECK(check("ruleset p { rule r { select when count 2 (t a or t b) sum(s) } }").size() == 1);
}

TEST_CASE("spime krl check prints file:line:col: message and exits 1", "[check][cli]") {
  TempFile bad(R"(ruleset bad {
  meta { shares nothere }
  rule r { select when t a  fired { app:x := 1 } }
})");
  std::string out;
  CHECK(run_spime("krl check '" + bad.path.string() + "'", &out) == 1);
  const std::string f = bad.path.string();
  CHECK(out == f + ":2:17: Trying to share: nothere but it's not defined in global\n" + f +
                   ":3:37: PersistentVariableAssignment - only works on ent:* variables\n");

  TempFile good("ruleset good { rule r { select when t a } }");
  out.clear();
  CHECK(run_spime("krl check '" + good.path.string() + "'", &out) == 0);
  CHECK(out == "1 file ok\n");

  // Warnings are printed but pass; the runtime's modules (event, ...) are known.
  TempFile warned(R"(ruleset warned {
  rule r { select when t a  email:connect(x = event:attrs{"x"}) }
})");
  out.clear();
  CHECK(run_spime("krl check '" + warned.path.string() + "'", &out) == 0);
  CHECK(out == warned.path.string() + ":2:29: warning: Undefined domain: email\n1 file ok\n");
}

TEST_CASE("spime krl check passes the shipped rulesets", "[check][cli]") {
  std::string files;
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SPIME_SOURCE_DIR "/rulesets")) {
    if (entry.path().extension() != ".krl") continue;
    files += " '" + entry.path().string() + "'";
    ++n;
  }
  REQUIRE(n > 0);
  std::string out;
  CHECK(run_spime("krl check" + files, &out) == 0);
  CHECK(out == std::to_string(n) + (n == 1 ? " file ok\n" : " files ok\n"));
}

// The reference compiler (packages/krl-compiler --verify) accepts every one of
// its own test rulesets; so must we (the verdicts were compared file by file).
TEST_CASE("spime krl check accepts every reference test ruleset", "[check][cli][reference]") {
  std::string files;
  int n = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(SPIME_SHARED_DIR "/reference/test-rulesets")) {
    if (entry.path().extension() != ".krl") continue;
    files += " '" + entry.path().string() + "'";
    ++n;
  }
  REQUIRE(n == 28);
  std::string out;
  INFO(out);
  CHECK(run_spime("krl check" + files, &out) == 0);
  CHECK(out.find(std::to_string(n) + " files ok") != std::string::npos);
}
