-- wrk script: POST /v1/verify {"pass": TEXT} with a bearer token (bench/load.sh).
-- Environment: PASS_FILE (the first line is the pass text), TOKEN (optional: the bare server
-- ignores it). done() prints one machine-readable RESULT line read by load.sh.

local function first_line(path)
  local f = assert(io.open(path, "r"), "cannot open " .. tostring(path))
  local line = f:read("*l")
  f:close()
  return line
end

local pass = first_line(os.getenv("PASS_FILE"))
wrk.method = "POST"
wrk.path = "/v1/verify"
wrk.body = '{"pass": "' .. pass .. '"}'
wrk.headers["Content-Type"] = "application/json"
local token = os.getenv("TOKEN")
if token and token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end

function done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.status, e.connect, e.read, e.write, e.timeout))
end
