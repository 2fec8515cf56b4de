-- Cycles through requests signed before the timed window.
-- Usage: wrk -s bench/wrk.lua URL -- FILE NTHREADS [PHONE]
-- FILE: one request a line, "path<TAB>Name:value|Name:value<TAB>body".
-- A response is an error unless it is 2xx and carries "code":"0" (or, for the peer, any 2xx
-- when the line's path starts with /v1/).
-- With PHONE, the place -> pay loop: every placeOrder answer queues its orderNo, and the
-- thread's next request pays it (sandbox pay API, test card) before it places the next
-- order; a pay answer that is not SUCCESS is an error.

local threads = {}
local count = 0

function setup(thread)
  thread:set("id", count)
  table.insert(threads, thread)
  count = count + 1
end

function init(args)
  local file, nthreads = args[1], tonumber(args[2])
  phone = args[3]
  requests, errors, wraps, sample, idx = {}, 0, 0, "", 0
  queue, head, tail, paid = {}, 1, 0, 0
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
  pay_headers = { ["Content-Type"] = "application/json" }
end

function request()
  if head <= tail then
    local order_no = queue[head]
    queue[head] = nil
    head = head + 1
    local body = '{"orderNo":"' .. order_no .. '","phone":"' .. phone .. '","method":"CARD"}'
    return wrk.format("POST", "/sandbox/api/pay", pay_headers, body)
  end
  idx = idx + 1
  if idx > #requests then
    idx = 1
    wraps = wraps + 1
  end
  return requests[idx]
end

local function fail(status, body)
  errors = errors + 1
  if sample == "" then sample = tostring(status) .. " " .. string.sub(body, 1, 300) end
end

function response(status, headers, body)
  if phone and string.find(body, '"result":', 1, true) then
    if status == 200 and string.find(body, '"result":"SUCCESS"', 1, true) then
      paid = paid + 1
    else
      fail(status, body)
    end
    return
  end
  local ok = status >= 200 and status < 300
  if phone then ok = status == 200 end
  if ok and not peer then
    ok = string.find(body, '"code":"0"', 1, true) ~= nil
  end
  if not ok then
    fail(status, body)
    return
  end
  if phone then
    local order_no = body:match('"orderNo":"(%d+)"')
    if order_no then
      tail = tail + 1
      queue[tail] = order_no
    end
  end
end

function done(summary, latency, requests)
  local errs, wr, smp, pays = 0, 0, "", 0
  for _, t in ipairs(threads) do
    errs = errs + t:get("errors")
    wr = wr + t:get("wraps")
    pays = pays + t:get("paid")
    local s = t:get("sample")
    if smp == "" and s ~= nil then smp = s end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bad_responses":%d,"wraps":%d,' ..
    '"socket_errors":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,"p95_us":%d,' ..
    '"p99_us":%d,"max_us":%d,"mean_us":%.1f,"paid":%d}\n',
    summary.requests, summary.duration, errs, wr,
    e.connect + e.read + e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean, pays))
  io.write("BENCH_SAMPLE " .. smp:gsub("\n", " ") .. "\n")
end
