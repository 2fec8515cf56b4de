-- Cycles through requests signed before the timed window.
-- Usage: wrk -s bench/wrk.lua URL -- FILE NTHREADS
-- FILE: one request a line, "path<TAB>Name:value|Name:value<TAB>body".
-- A response is an error unless it is 2xx and carries "code":"0" (or, for the peer, any 2xx
-- when the line's path starts with /v1/).

local threads = {}
local count = 0

function setup(thread)
  thread:set("id", count)
  table.insert(threads, thread)
  count = count + 1
end

function init(args)
  local file, nthreads = args[1], tonumber(args[2])
  requests, errors, wraps, sample, idx = {}, 0, 0, "", 0
  peer = false
  local i = 0
  for line in io.lines(file) do
    if i % nthreads == id then
      local path, hdr, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = {}
      for pair in hdr:gmatch("[^|]+") do
        local k, v = pair:match("^([^:]+):(.*)$")
        headers[k] = v
      end
      if path:sub(1, 4) == "/v1/" then peer = true end
      requests[#requests + 1] = wrk.format("POST", path, headers, body)
    end
    i = i + 1
  end
end

function request()
  idx = idx + 1
  if idx > #requests then
    idx = 1
    wraps = wraps + 1
  end
  return requests[idx]
end

function response(status, headers, body)
  local ok = status >= 200 and status < 300
  if ok and not peer then
    ok = string.find(body, '"code":"0"', 1, true) ~= nil
  end
  if not ok then
    errors = errors + 1
    if sample == "" then sample = tostring(status) .. " " .. string.sub(body, 1, 300) end
  end
end

function done(summary, latency, requests)
  local errs, wr, smp = 0, 0, ""
  for _, t in ipairs(threads) do
    errs = errs + t:get("errors")
    wr = wr + t:get("wraps")
    local s = t:get("sample")
    if smp == "" and s ~= nil then smp = s end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bad_responses":%d,"wraps":%d,' ..
    '"socket_errors":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,"p95_us":%d,' ..
    '"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, errs, wr,
    e.connect + e.read + e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean))
  io.write("BENCH_SAMPLE " .. smp:gsub("\n", " ") .. "\n")
end
