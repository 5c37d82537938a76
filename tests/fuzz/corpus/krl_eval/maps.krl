{"a": {"b": [1, 2, {"c": null}]}}.put(["a", "x"], true).delete(["a", "b"]).encode()
