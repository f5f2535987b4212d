-- The deployment bench's mixed workload (bench/deploy_bench.py sets the environment):
--   80 % reads: thread page 40 %, thread list page 20 %, search page 20 % (visitors, no cookies)
--   15 % writes through the JSON API: answers 7.5 %, votes 7.5 %
--    5 % new questions
-- Each answer carries a unique word; for every answer that got a 201 the id and the word are
-- appended to $BENCH_ACKS/thread-<n>.txt, so the bench can check afterwards that no
-- acknowledged write was lost. $BENCH_DELAY_MS > 0 paces every connection (the soak).
-- Every body is a fresh random sentence: the same text twice within an hour is refused (403) by
-- the repeat check of app/services/screening.py, as it would be for a real member.

local thread_number = 0

function setup(thread)
  thread_number = thread_number + 1
  thread:set("thread_number", thread_number)
end

local function letters(n, width)
  local out = {}
  for _ = 1, width do
    out[#out + 1] = string.char(97 + n % 26)
    n = math.floor(n / 26)
  end
  return table.concat(out)
end

function init(args)
  math.randomseed(os.time() * 1000 + (thread_number or 0) * 7919 + math.floor(os.clock() * 1e6))
  tokens, words = {}, {}
  for line in io.lines(os.getenv("BENCH_TOKENS")) do if #line > 0 then tokens[#tokens + 1] = line end end
  for line in io.lines(os.getenv("BENCH_WORDS")) do if #line > 0 then words[#words + 1] = line end end
  threads = tonumber(os.getenv("BENCH_THREADS"))
  answers = tonumber(os.getenv("BENCH_ANSWERS"))
  pages = math.min(tonumber(os.getenv("BENCH_PAGES")), 50)
  pause = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
  nonce = letters(math.random(0, 26 ^ 6 - 1), 6)
  counter = 0
  acks = io.open(os.getenv("BENCH_ACKS") .. "/thread-" .. thread_number .. "-" .. nonce .. ".txt", "a")
end

local vocabulary = {"printer", "tray", "driver", "spooler", "invoice", "refund", "login", "password", "export",
  "wireless", "router", "update", "restart", "cable", "queue", "settings", "firmware", "account", "browser",
  "cache", "paper", "duplex", "scanner", "network", "token", "billing", "receipt", "mobile", "sync", "error",
  "window", "service", "port", "address", "reset", "install", "version", "profile", "backup", "screen"}

local function sentence(words)
  local out = {}
  for n = 1, words do out[n] = vocabulary[math.random(#vocabulary)] end
  return table.concat(out, " ")
end

local function api(method, path, body)
  local headers = {["Authorization"] = "Bearer " .. tokens[math.random(#tokens)],
                   ["Content-Type"] = "application/json"}
  return wrk.format(method, path, headers, body)
end

function request()
  local roll = math.random()
  if roll < 0.40 then
    return wrk.format("GET", "/threads/" .. math.random(threads))
  elseif roll < 0.60 then
    return wrk.format("GET", "/?page=" .. math.random(pages))
  elseif roll < 0.80 then
    return wrk.format("GET", "/search?q=" .. words[math.random(#words)])
  elseif roll < 0.875 then
    counter = counter + 1
    local word = "ack" .. nonce .. letters(counter, 4)
    return api("POST", "/api/v1/threads/" .. math.random(threads) .. "/answers",
               '{"body": "' .. sentence(14) .. ' (' .. word .. ')."}')
  elseif roll < 0.95 then
    local value = math.random() < 0.8 and 1 or -1
    return api("POST", "/api/v1/answers/" .. math.random(answers) .. "/vote", '{"value": ' .. value .. '}')
  else
    counter = counter + 1
    local word = "ask" .. nonce .. letters(counter, 4)
    return api("POST", "/api/v1/threads",
               '{"title": "' .. sentence(4) .. ' ' .. word .. '", "body": "' .. sentence(16) .. '.", "category": "printers", "tags": []}')
  end
end

function response(status, headers, body)
  if status == 201 and body and body:find('"is_accepted"', 1, true) then
    local id = body:match('"id":%s*(%d+)')
    local word = body:match("%((ack%a+)%)")
    if id and word then
      acks:write(id, " ", word, "\n")
      acks:flush()
    end
  end
end

function delay()
  return pause
end
