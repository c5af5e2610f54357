-- wrk script of bench/common.py's wrk(): every path of the list file is asked once, in the file's order
-- (already shuffled), the list dealt round-robin to wrk's threads (one connection each). A thread
-- that has its last answer writes "<list>.done.<thread>" and stops; wrk() then ends the
-- run with SIGINT (wrk's main thread would otherwise sleep out its -d duration), so wrk's
-- requests per second is the list's. Extra request headers come as "Name: value" arguments.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  list = args[1]
  local count = tonumber(args[2])
  paths = {}
  local n = 0
  for line in io.lines(list) do
    if n % count == id then table.insert(paths, line) end
    n = n + 1
  end
  extra = {}
  for i = 3, #args do
    local name, value = args[i]:match("^([^:]+):%s*(.*)$")
    extra[name] = value
  end
  answered = 0
  statuses = {}
end

-- One connection a thread, one request at a time: the next path is the first not yet answered,
-- so a request lost to a closed connection is asked again after wrk reconnects.
function request()
  return wrk.format("GET", paths[math.min(answered + 1, #paths)], extra)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  answered = answered + 1
  if answered == #paths then
    io.open(list .. ".done." .. id, "w"):close()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses")) do merged[code] = (merged[code] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(merged) do table.insert(parts, string.format('"%d": %d', code, n)) end
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "seconds": %.6f, "p50_ms": %.3f, "p95_ms": %.3f, ' ..
    '"bytes": %d, "errors": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, summary.bytes,
    e.connect + e.read + e.write + e.status + e.timeout, table.concat(parts, ", ")))
end
