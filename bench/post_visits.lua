-- wrk script: durable POST /v1/visits (bench/load.sh). Every request carries a unique
-- idempotency_key ("<run>-<thread>-<counter>") so each one appends a row; passes are taken in
-- turn from PASS_FILE (one pass text per line: one line = one visitor, many lines = many
-- visitors). Environment: PASS_FILE, TOKEN, RUN_ID (optional prefix of the keys).
-- done() prints one RESULT line: answered requests, non-2xx answers and requests sent
-- (sent - answered = still in flight when wrk stopped: the server may have recorded them).

local passes = {}
for line in io.lines(os.getenv("PASS_FILE")) do
  if line ~= "" then passes[#passes + 1] = line end
end
assert(#passes > 0, "no pass in PASS_FILE")
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
  local pass = passes[(sent + id * 7919) % #passes + 1]
  local body = '{"pass": "' .. pass .. '", "kind": "purchase", "amount_cents": 1250, "till": "load", "idempotency_key": "'
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
