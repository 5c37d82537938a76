// Tokenizer tests, ported from the reference's krl-parser/test/tokenizer.ts
// (whitespace and comments are not tokens here).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "engine/krl/lexer.h"

using spime::krl::Tok;
using spime::krl::tokenize;

namespace {

// "[TYPE]text" for every token but End; also checks each token's text is the
// source at its offset.
std::vector<std::string> lex(std::string_view src) {
  std::vector<std::string> out;
  auto toks = tokenize(src);
  REQUIRE(!toks.empty());
  REQUIRE(toks.back().type == Tok::End);
  for (std::size_t i = 0; i + 1 < toks.size(); ++i) {
    const auto& t = toks[i];
    CHECK(src.substr(t.loc.offset, t.text.size()) == t.text);
    std::string type = spime::krl::token_type_name(t.type);
    if (t.type == Tok::Error) type = "ERROR " + std::string(t.error);
    out.push_back("[" + type + "]" + std::string(t.text));
  }
  return out;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("lexer: strings, comments, symbols", "[parser][lexer]") {
  CHECK(lex("").empty());
  CHECK(lex("   \n\t ").empty());
  CHECK(lex("\"\"") == V{"[STRING]\"\""});
  CHECK(lex("\"str\"") == V{"[STRING]\"str\""});
  CHECK(lex("hello \"world\"\"two\"") ==
        V{"[SYMBOL]hello", "[STRING]\"world\"", "[STRING]\"two\""});
  CHECK(lex("hello//some comment \"not a string\" ok\nok") == V{"[SYMBOL]hello", "[SYMBOL]ok"});
  CHECK(lex("hello/* /* wat? * // some comment\n \"not a string\" ok*/ok") ==
        V{"[SYMBOL]hello", "[SYMBOL]ok"});
  CHECK(lex("1; //some comment\n2/*annother comment*/;3") ==
        V{"[NUMBER]1", "[RAW];", "[NUMBER]2", "[RAW];", "[NUMBER]3"});
  CHECK(lex("\"some\\\\\"end") == V{"[STRING]\"some\\\\\"", "[SYMBOL]end"});
  CHECK(lex("\"some\\\"string\"") == V{"[STRING]\"some\\\"string\""});
  CHECK(lex("ruleset rs{rule r1{}}") == V{"[SYMBOL]ruleset", "[SYMBOL]rs", "[RAW]{", "[SYMBOL]rule",
                                          "[SYMBOL]r1", "[RAW]{", "[RAW]}", "[RAW]}"});
  CHECK(lex("$a _b c9") == V{"[SYMBOL]$a", "[SYMBOL]_b", "[SYMBOL]c9"});
  CHECK(lex("/**/x") == V{"[SYMBOL]x"});
}

TEST_CASE("lexer: chevrons and beestings", "[parser][lexer]") {
  CHECK(lex("<<some chevron\n\"?\"//string\nok?>>ok") ==
        V{"[CHEVRON-OPEN]<<", "[CHEVRON-STRING]some chevron\n\"?\"//string\nok?",
          "[CHEVRON-CLOSE]>>", "[SYMBOL]ok"});
  CHECK(lex("<<This #{\"is\"} a beesting>>") ==
        V{"[CHEVRON-OPEN]<<", "[CHEVRON-STRING]This ", "[CHEVRON-BEESTING-OPEN]#{",
          "[STRING]\"is\"", "[CHEVRON-BEESTING-CLOSE]}", "[CHEVRON-STRING] a beesting",
          "[CHEVRON-CLOSE]>>"});
  CHECK(lex("<<This #{x{\"flip\"}} that >\\> >>") ==
        V{"[CHEVRON-OPEN]<<", "[CHEVRON-STRING]This ", "[CHEVRON-BEESTING-OPEN]#{", "[SYMBOL]x",
          "[RAW]{", "[STRING]\"flip\"", "[RAW]}", "[CHEVRON-BEESTING-CLOSE]}",
          "[CHEVRON-STRING] that >\\> ", "[CHEVRON-CLOSE]>>"});
  CHECK(lex("<<This #{x{\"flip\"}} that >\\>>>") ==
        V{"[CHEVRON-OPEN]<<", "[CHEVRON-STRING]This ", "[CHEVRON-BEESTING-OPEN]#{", "[SYMBOL]x",
          "[RAW]{", "[STRING]\"flip\"", "[RAW]}", "[CHEVRON-BEESTING-CLOSE]}",
          "[CHEVRON-STRING] that >\\>", "[CHEVRON-CLOSE]>>"});
  CHECK(lex("<<#{ x }{#{{{{}}}}}>>") ==
        V{"[CHEVRON-OPEN]<<", "[CHEVRON-BEESTING-OPEN]#{", "[SYMBOL]x", "[CHEVRON-BEESTING-CLOSE]}",
          "[CHEVRON-STRING]{", "[CHEVRON-BEESTING-OPEN]#{", "[RAW]{", "[RAW]{", "[RAW]{", "[RAW]}",
          "[RAW]}", "[RAW]}", "[CHEVRON-BEESTING-CLOSE]}", "[CHEVRON-STRING]}",
          "[CHEVRON-CLOSE]>>"});
  CHECK(lex("<<This /* wat */\n//ok\n>>") ==
        V{"[CHEVRON-OPEN]<<", "[CHEVRON-STRING]This /* wat */\n//ok\n", "[CHEVRON-CLOSE]>>"});
  CHECK(lex("<<one#{<<two#{three}>>}>>") ==
        V{"[CHEVRON-OPEN]<<", "[CHEVRON-STRING]one", "[CHEVRON-BEESTING-OPEN]#{",
          "[CHEVRON-OPEN]<<", "[CHEVRON-STRING]two", "[CHEVRON-BEESTING-OPEN]#{", "[SYMBOL]three",
          "[CHEVRON-BEESTING-CLOSE]}", "[CHEVRON-CLOSE]>>", "[CHEVRON-BEESTING-CLOSE]}",
          "[CHEVRON-CLOSE]>>"});
  // Unterminated: the text runs to the end; the parser then expects `>>`.
  CHECK(lex("<<abc") == V{"[CHEVRON-OPEN]<<", "[CHEVRON-STRING]abc"});
}

TEST_CASE("lexer: numbers and punctuation", "[parser][lexer]") {
  CHECK(lex("123") == V{"[NUMBER]123"});
  CHECK(lex(".1") == V{"[NUMBER].1"});
  CHECK(lex("10.25") == V{"[NUMBER]10.25"});
  CHECK(lex("10.25.25") == V{"[NUMBER]10.25", "[NUMBER].25"});
  CHECK(lex("0.0") == V{"[NUMBER]0.0"});
  CHECK(lex("1.") == V{"[NUMBER]1", "[RAW]."});
  CHECK(lex("1.z") == V{"[NUMBER]1", "[RAW].", "[SYMBOL]z"});
  CHECK(lex("{\"\":-6}") == V{"[RAW]{", "[STRING]\"\"", "[RAW]:", "[RAW]-", "[NUMBER]6", "[RAW]}"});
  CHECK(lex("[3,-4+-x]") == V{"[RAW][", "[NUMBER]3", "[RAW],", "[RAW]-", "[NUMBER]4", "[RAW]+",
                              "[RAW]-", "[SYMBOL]x", "[RAW]]"});
  CHECK(lex("fn(-_A,-.2)") == V{"[SYMBOL]fn", "[RAW](", "[RAW]-", "[SYMBOL]_A", "[RAW],", "[RAW]-",
                                "[NUMBER].2", "[RAW])"});
  CHECK(lex("a&&b") == V{"[SYMBOL]a", "[RAW]&&", "[SYMBOL]b"});
  CHECK(lex("<=> <= < || | == => = := : >= >< > != % * /") ==
        V{"[RAW]<=>", "[RAW]<=", "[RAW]<", "[RAW]||", "[RAW]|", "[RAW]==", "[RAW]=>",
          "[RAW]=", "[RAW]:=", "[RAW]:", "[RAW]>=", "[RAW]><", "[RAW]>", "[RAW]!=", "[RAW]%",
          "[RAW]*", "[RAW]/"});
  auto toks = tokenize("a<=>b");
  CHECK(toks[1].type == Tok::Spaceship);
  CHECK(toks[3].type == Tok::End);
}

TEST_CASE("lexer: regular expressions", "[parser][lexer]") {
  CHECK(lex("re#regex#") == V{"[REGEXP]re#regex#"});
  CHECK(lex("re#regex#iok") == V{"[REGEXP]re#regex#i", "[SYMBOL]ok"});
  CHECK(lex("re#regex#gok") == V{"[REGEXP]re#regex#g", "[SYMBOL]ok"});
  CHECK(lex("re#regex#igok") == V{"[REGEXP]re#regex#ig", "[SYMBOL]ok"});
  CHECK(lex("re#regex#gimok") == V{"[REGEXP]re#regex#gim", "[SYMBOL]ok"});
  CHECK(lex("re#\\##") == V{"[REGEXP]re#\\##"});
  CHECK(lex("re#\\#\\\\#") == V{"[REGEXP]re#\\#\\\\#"});
  CHECK(lex("re##") == V{"[REGEXP]re##"});
  CHECK(lex("are#") == V{"[SYMBOL]are", "[ERROR Unsupported characters]#"});
}

TEST_CASE("lexer: errors stop the token stream", "[parser][lexer]") {
  CHECK(lex("/*/") == V{"[ERROR Missing close */]/*/"});
  CHECK(lex("\"one") == V{"[ERROR Missing close \"]\"one"});
  CHECK(lex("\"one\\") == V{"[ERROR Missing close \"]\"one\\"});
  CHECK(lex("re#one") == V{"[ERROR Missing close #]re#one"});
  CHECK(lex("&&&") == V{"[RAW]&&", "[ERROR Unsupported characters]&"});
  CHECK(lex(".\xCE\xBB,") == V{"[RAW].", "[ERROR Unsupported characters]\xCE\xBB"});
  CHECK(lex("a ! b") == V{"[SYMBOL]a", "[ERROR Unsupported characters]!"});
}

TEST_CASE("lexer: locations", "[parser][lexer]") {
  auto toks = tokenize("a\n  bc /* x\n y */ d\n\"s\ntr\" e");
  REQUIRE(toks.size() == 6);
  CHECK(toks[0].loc.line == 1);
  CHECK(toks[0].loc.col == 1);
  CHECK(toks[1].loc.line == 2);
  CHECK(toks[1].loc.col == 3);
  CHECK(toks[1].loc.offset == 4);
  CHECK(toks[2].loc.line == 3);
  CHECK(toks[2].loc.col == 7);
  CHECK(toks[3].loc.line == 4);
  CHECK(toks[4].loc.line == 5);
  CHECK(toks[4].loc.col == 5);
  CHECK(toks[5].type == Tok::End);
}
