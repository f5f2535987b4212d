-- Requests a random path from a file, one per line (URL-encoded queries), and
-- prints the 95th percentile that `wrk --latency` does not show.
--
--   wrk --latency -s bench/search_queries.lua http://127.0.0.1:8000 -- /tmp/paths.txt

local paths = {}
local thread_number = 0

function setup(thread)
  thread_number = thread_number + 1
  thread:set("thread_number", thread_number)
end

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  math.randomseed(os.time() * 100 + (thread_number or 0))
end

function request()
  return wrk.format("GET", paths[math.random(1, #paths)])
end

function done(summary, latency, requests)
  io.write(string.format("p95_us: %d\n", latency:percentile(95)))
end
