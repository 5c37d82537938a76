#!/usr/bin/env python3
"""RocksDB's own figures for the live tables of a stopped engine's data directory.

    scripts/lib/rocksdb_tables.py DATA_DIR [PICOS]

Sums the table properties RocksDB logged when it wrote each live table file
(the EVENT_LOG_v1 "table_file_creation" events of DATA_DIR's LOG files):
entries, raw key and value bytes, and what the files hold (data blocks,
index, bloom filters). With PICOS, also per pico. A live table whose event
is in no LOG left (RocksDB keeps five) is counted as missing. Prints one
line; reads nothing but DATA_DIR.
"""
import glob
import json
import os
import sys


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: rocksdb_tables.py DATA_DIR [PICOS]")
    data = sys.argv[1]
    picos = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    live = {int(os.path.basename(p).split(".")[0]): os.path.getsize(p)
            for p in glob.glob(os.path.join(data, "*.sst"))}
    props = {}
    for log in glob.glob(os.path.join(data, "LOG*")):
        with open(log, errors="replace") as f:
            for line in f:
                at = line.find("EVENT_LOG_v1 ")
                if at < 0 or "table_file_creation" not in line:
                    continue
                try:
                    event = json.loads(line[at + len("EVENT_LOG_v1 "):])
                except ValueError:
                    continue
                if event.get("event") == "table_file_creation" and "table_properties" in event:
                    props[event["file_number"]] = event["table_properties"]
    keys = ("num_entries", "raw_key_size", "raw_value_size", "data_size", "index_size",
            "filter_size")
    total = dict.fromkeys(keys, 0)
    missing = 0
    for number in live:
        p = props.get(number)
        if p is None:
            missing += 1
            continue
        for k in keys:
            total[k] += p.get(k, 0)
    line = ("RocksDB: %d live tables, %d bytes; %d entries, raw keys %d + values %d bytes; "
            "in the files: data %d, index %d, filters %d bytes" %
            (len(live), sum(live.values()), total["num_entries"], total["raw_key_size"],
             total["raw_value_size"], total["data_size"], total["index_size"],
             total["filter_size"]))
    if picos:
        line += "; per pico: %.1f entries, %.0f raw bytes, %.0f bytes of data blocks" % (
            total["num_entries"] / picos,
            (total["raw_key_size"] + total["raw_value_size"]) / picos,
            total["data_size"] / picos)
    if missing:
        line += " (%d tables not in the LOGs: not counted)" % missing
    print(line)


if __name__ == "__main__":
    main()
