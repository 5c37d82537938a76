random:integer(10) + math:abs(-4) + time:strftime("2020-01-01T00:00:00Z", "%Y").length()
