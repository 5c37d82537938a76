ruleset fuzz.hello {
  meta {
    name "hello"
    shares hello, __testing
    provides hello
  }
  global {
    hello = function(name = "world") { <<Hello #{name}!>> }
    __testing = { "queries": [{ "name": "hello", "args": ["name"] }] }
  }
  rule say {
    select when echo hello name re#^(\w+)$# setting(who)
    pre { n = ent:count.defaultsTo(0) + 1 }
    if n < 10 then send_directive("say", { "something": hello(who) })
    fired { ent:count := n; raise echo event "said" attributes { "n": n } }
    else { ent:count := 0 }
  }
  rule every {
    select when echo a before echo b within 5 minutes
    foreach [1, 2, 3] setting (x, i)
    every { klog(x) }
    always { schedule echo event "tick" repeat "*/5 * * * *" }
  }
}
