-- wrk script: ESProto heartbeats spread round-robin over many device picos.
--
--   ECIS=ecis.txt PAYLOAD=/work/shared/esproto/temp-normal.json \
--     wrk -t2 -c64 -d10s --latency -s devices/heartbeat.lua http://127.0.0.1:3000
--
-- ECIS: a file with one device ECI per line (the fleet simulator's
--   --setup-only --ecis-out: each device's transducer channel).
-- PAYLOAD: the JSON body of every heartbeat.
-- wrk gives each thread its own Lua state: each thread starts at a different
-- offset into the ECI list so that threads spread over the picos instead of
-- walking them in step. done() reports the non-2xx answers wrk counts only as
-- a total, split by status.

local function read_file(path)
  local f = assert(io.open(path, "rb"), "cannot open " .. tostring(path))
  local data = f:read("*a")
  f:close()
  return data
end

local ecis_path = os.getenv("ECIS") or error("set ECIS to a file of device ECIs")
local payload_path = os.getenv("PAYLOAD") or error("set PAYLOAD to a heartbeat JSON file")

local ecis = {}
for line in read_file(ecis_path):gmatch("[^\r\n]+") do
  ecis[#ecis + 1] = line
end
assert(#ecis > 0, "no ECIs in " .. ecis_path)
local body = read_file(payload_path)

local threads = {}
local thread_count = 0

-- wrk calls setup(thread) in the main Lua state just before it creates each
-- thread's state, so the total thread count is not known yet: offsets use the
-- golden ratio, which spreads any number of threads evenly over the list.
function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
  threads[#threads + 1] = thread
end

-- Per-thread state (each thread runs its own copy of this script).
local next_index = 0
statuses = {}  -- globals: done() reads them with thread:get
local headers = { ["Content-Type"] = "application/json" }
non2xx = 0

function init(args)
  local index = thread_index or 0
  local fraction = (index * 0.6180339887) % 1
  next_index = math.floor(fraction * #ecis) % #ecis
end

function request()
  local eci = ecis[next_index + 1]
  next_index = (next_index + 1) % #ecis
  return wrk.format("POST", "/sky/event/" .. eci .. "/none/wovyn/heartbeat", headers, body)
end

function response(status, hdrs, resp_body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  local by_status = {}
  for _, thread in ipairs(threads) do
    local n = thread:get("non2xx") or 0
    total = total + n
    local s = thread:get("statuses") or {}
    for code, count in pairs(s) do
      by_status[code] = (by_status[code] or 0) + count
    end
  end
  io.write(string.format("ECIs: %d, requests: %d, non-2xx: %d\n", #ecis, summary.requests, total))
  for code, count in pairs(by_status) do
    io.write(string.format("  status %d: %d\n", code, count))
  end
  local errors = summary.errors
  io.write(string.format("socket errors: connect %d, read %d, write %d, timeout %d\n",
    errors.connect, errors.read, errors.write, errors.timeout))
end
