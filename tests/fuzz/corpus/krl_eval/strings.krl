"hello world".split(re#o#).map(function(s) { s.uc() }).join("-")
