-- wrk script for `make bench`: the request comes from the environment, and the summary is
-- printed as one JSON line (wrk's own report has no p95).
--   BENCH_COOKIE  the Cookie header (a signed-in session), or empty
--   BENCH_BODY    a form to POST (urlencoded), or empty for a GET
--   BENCH_ORIGIN  the Origin the CSRF check expects for a POST
wrk.headers["X-Forwarded-Proto"] = "https" -- as the TLS proxy says it
local cookie = os.getenv("BENCH_COOKIE") or ""
if cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end
local body = os.getenv("BENCH_BODY") or ""
if body ~= "" then
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Origin"] = os.getenv("BENCH_ORIGIN")
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'WRK-JSON {"requests": %d, "duration_us": %d, "status_errors": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, errors.status, errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
