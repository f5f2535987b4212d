-- Rotate over random ids so no single row or page stays warm in a cache and flatters the result.
--
--   wrk -s bench/random_thread.lua http://127.0.0.1:8000 -- /threads/%d 1 20000
--
-- Arguments after "--": a path with one %d, the lowest and the highest id (inclusive).
-- Without arguments the environment is read: BENCH_PATH, BENCH_ID_LOW, BENCH_ID_HIGH.

local thread_number = 0

function setup(thread)
  thread_number = thread_number + 1
  thread:set("thread_number", thread_number)
end

function init(args)
  path = args[1] or os.getenv("BENCH_PATH") or "/threads/%d"
  low = tonumber(args[2] or os.getenv("BENCH_ID_LOW") or 1)
  high = tonumber(args[3] or os.getenv("BENCH_ID_HIGH") or low)
  -- Each wrk thread gets its own sequence; the clock keeps runs from replaying the same ids.
  math.randomseed(os.time() * 100 + (thread_number or 0))
end

function request()
  return wrk.format("GET", string.format(path, math.random(low, high)))
end
