-- wrk script for scripts/serve-bench.sh: posts one fixed body on every request (closed loop).
--
-- Environment:
--   BODY_FILE   file whose bytes are the request body; unset: a GET with no body (the trivial route)
--   BODY_KIND   "json" (Content-Type: application/json) or "binary" (the KServe binary tensor data
--               extension: Content-Type application/octet-stream and Inference-Header-Content-Length)
--   HEADER_LEN  length of the JSON header in a binary body (required for BODY_KIND=binary)
-- When the run ends it prints one line `SERVEBENCH_JSON {...}` with the counts and latency percentiles
-- (microseconds) that serve-bench's report reads.

local body_file = os.getenv("BODY_FILE")
if body_file ~= nil and body_file ~= "" then
    local f = assert(io.open(body_file, "rb"))
    wrk.body = f:read("*a")
    f:close()
    wrk.method = "POST"
    local kind = os.getenv("BODY_KIND") or "json"
    if kind == "binary" then
        wrk.headers["Content-Type"] = "application/octet-stream"
        wrk.headers["Inference-Header-Content-Length"] = assert(os.getenv("HEADER_LEN"), "HEADER_LEN unset")
    else
        wrk.headers["Content-Type"] = "application/json"
    end
else
    wrk.method = "GET"
end

function done(summary, latency, requests)
    local e = summary.errors
    local p = function(q) return latency:percentile(q) end
    io.write(string.format(
        'SERVEBENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
        '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
        '"latency_us":{"mean":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
        summary.requests, summary.duration, summary.bytes,
        e.connect, e.read, e.write, e.status, e.timeout,
        latency.mean, latency.max, p(50), p(90), p(99), p(99.9)))
end
