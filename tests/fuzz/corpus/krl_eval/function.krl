function(n) { n <= 1 => 1 | n * 2 }(5)
