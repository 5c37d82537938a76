[1, 2, 3].reduce(function(a, b) { a + b }, 10) * 2.5 / 3 % 7
