-- Each request is a new Distribution push event (new id and digest), as a busy registry sends them.
local counter = 0
local thread_id = 0
local threads = {}
function setup(thread)
  thread:set("tid", thread_id)
  thread_id = thread_id + 1
end
function init(args)
  math.randomseed(os.time() + tid)
end
request = function()
  counter = counter + 1
  local id = string.format("%d-%d-%d", tid, counter, math.random(1, 1e9))
  local digest = string.format("%064x", counter * 7919 + tid)
  digest = string.sub(string.rep(digest, 1), 1, 64)
  local body = '{"events":[{"id":"' .. id .. '","timestamp":"2026-11-24T10:00:00Z","action":"push","target":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:' .. digest .. '","repository":"team/app","tag":"v' .. id .. '"},"actor":{"name":"ci-bot"}}]}'
  return wrk.format("POST", wrk.path, {
    ["Content-Type"] = "application/vnd.docker.distribution.events.v1+json",
    ["Authorization"] = "Bearer bench-token-0123456789"
  }, body)
end
