-- wrk script of the soak test (bench/soak.sh): POST /v1/verify or durable POST /v1/visits, the
-- passes of many members in turn with one very frequent visitor mixed in.
-- Environment:
--   MODE            verify | visit
--   PASS_FILE       one pass text per line: the many visitors
--   FREQUENT_FILE   the first line is the pass of the frequent visitor
--   FREQUENT_EVERY  every Nth request of a thread is the frequent visitor's (0: never)
--   TOKEN, RUN_ID   the bearer token; the prefix of the idempotency keys (unique per wrk run)
-- done() prints one RESULT line like post_visits.lua's.

local function read_lines(path)
  local lines = {}
  for line in io.lines(path) do
    if line ~= "" then lines[#lines + 1] = line end
  end
  assert(#lines > 0, "no pass in " .. path)
  return lines
end

local mode = os.getenv("MODE") or "verify"
assert(mode == "verify" or mode == "visit", "MODE must be verify or visit")
local passes = read_lines(os.getenv("PASS_FILE"))
local frequent = read_lines(os.getenv("FREQUENT_FILE"))[1]
local every = tonumber(os.getenv("FREQUENT_EVERY") or "0")
local run = os.getenv("RUN_ID") or tostring(os.time())
local token = os.getenv("TOKEN") or ""

local threads = {}
local next_id = 0
function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  threads[#threads + 1] = thread
end

sent = 0
function init(args)
  prefix = run .. "-" .. tostring(id) .. "-"
  headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }
end

function request()
  sent = sent + 1
  local pass
  if every > 0 and sent % every == 0 then
    pass = frequent
  else
    pass = passes[(sent + id * 7919) % #passes + 1]
  end
  if mode == "verify" then
    return wrk.format("POST", "/v1/verify", headers, '{"pass": "' .. pass .. '"}')
  end
  local body = '{"pass": "' .. pass .. '", "kind": "purchase", "amount_cents": 1250, "till": "soak", "idempotency_key": "'
    .. prefix .. sent .. '"}'
  return wrk.format("POST", "/v1/visits", headers, body)
end

function done(summary, latency, requests)
  local total_sent = 0
  for _, t in ipairs(threads) do total_sent = total_sent + t:get("sent") end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f non2xx=%d connect=%d read=%d write=%d timeout=%d sent=%d\n",
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.status, e.connect, e.read, e.write, e.timeout, total_sent))
end
