-- wrk script: spreads requests over the paths in WRK_PATHS (one per line in
-- the file it names, or the URL's own path), counts non-2xx answers as
-- errors and prints one JSON line of results at the end.

local paths = {}
local counter = 0

function init(args)
  local file = os.getenv("WRK_PATHS")
  if file and file ~= "" then
    for line in io.lines(file) do
      if line ~= "" then table.insert(paths, line) end
    end
  end
end

function request()
  if #paths > 0 then
    counter = counter + 1
    return wrk.format(nil, paths[(counter % #paths) + 1])
  end
  return wrk.format(nil)
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout + summary.errors.status
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_s": %.3f, "rps": %.2f, "errors": %d, ' ..
    '"p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    errors, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
