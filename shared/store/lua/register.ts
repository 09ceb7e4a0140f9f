import { COMMON_LUA } from './common.js';

/**
 * Register a Task, one atomic step.
 * KEYS[1] namespace prefix.
 * ARGV: name, uid, template, dialect, deps JSON, observed state ('' | succeeded | failed |
 * launched), observed outputs JSON, observed results JSON, observed message, needs JSON
 * ('' = all of deps; else the names readyTask reads, in dependsOn order), observed response,
 * the Task's creation time (ms; '' when unknown).
 * Reply (JSON): {k='ready', t=<readyTask>} | {k='waiting', p=[names], g=[deleted names]} |
 * {k='failed', m=message, c=[cycle]?, f=[[name, uid, message]...]} | {k='settled', s=state}.
 * `g`: the pending dependencies that were deleted (tombstones): this Task came after they went.
 */
export const REGISTER_LUA = `${COMMON_LUA}
local name, uid, template, dialect, depsJson = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local observed, obsOutputs, obsResults, obsMessage = ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local needsJson = ARGV[10] or ''
local obsResponse = ARGV[11] or ''
local createdAt = tonumber(ARGV[12] or '')
local key = tk(name)

-- Those of <names> whose entry is a tombstone: deleted before this Task came.
local function deletedAmong(names)
  local out = {}
  for _, d in ipairs(names) do
    if redis.call('HGET', tk(d), 'state') == 'deleted' then out[#out + 1] = d end
  end
  return out
end

-- The dependencies still pending for a waiting entry, in dependsOn order, each once.
local function pendingNames(deps)
  local out, seen = {}, {}
  for _, d in ipairs(deps) do
    if not seen[d] and redis.call('HEXISTS', key, 'p:' .. d) == 1 then
      seen[d] = true
      out[#out + 1] = d
    end
  end
  return out
end

-- Breadth first along "is depended on by" edges through waiting Tasks; the shortest way back
-- to <name> is the cycle. Returned in dependsOn direction: name, what it waits for, ..., name.
local function findCycle()
  local parent, seen = {}, { [name] = true }
  local queue, head = { name }, 1
  while head <= #queue do
    local cur = queue[head]
    head = head + 1
    local field = 'p:' .. cur
    for _, d in ipairs(redis.call('SMEMBERS', dk(cur))) do
      local dkey = tk(d)
      if redis.call('HGET', dkey, 'state') == 'waiting' and redis.call('HEXISTS', dkey, field) == 1 then
        if d == name then
          local chain, x = { name }, cur
          while x ~= name do
            chain[#chain + 1] = x
            x = parent[x]
          end
          chain[#chain + 1] = name
          return chain
        elseif not seen[d] then
          seen[d] = true
          parent[d] = cur
          queue[#queue + 1] = d
        end
      end
    end
  end
  return nil
end

local cur = redis.call('HMGET', key, 'uid', 'state', 'deps', 'cause', 'message', 'cycle')
if cur[1] then
  if cur[1] == uid then
    -- The same incarnation again: report where it stands, change nothing.
    local state = cur[2]
    if state == 'waiting' then
      local p = pendingNames(cjson.decode(cur[3]))
      return cjson.encode({ k = 'waiting', p = p, g = deletedAmong(p) })
    elseif state == 'ready' then
      return cjson.encode({ k = 'ready', t = readyTask(name) })
    elseif state == 'failed' and cur[4] and cur[4] ~= '' then
      -- The store failed it (dependency or cycle): the cluster may not know yet, so repeat it.
      local reply = { k = 'failed', m = cur[5] or '', f = failFrom(name, cur[4], true) }
      if cur[6] and cur[6] ~= '' then reply.c = cjson.decode(cur[6]) end
      return cjson.encode(reply)
    end
    return cjson.encode({ k = 'settled', s = state })
  end
  -- Another incarnation (deleted and recreated): forget the old one's edges and data — after
  -- the dependents registered against the old one's outputs have kept a copy of them.
  if cur[2] == 'succeeded' or cur[2] == 'deleted' then keepForDependents(name) end
  for _, d in ipairs(cjson.decode(cur[3] or '[]')) do
    redis.call('SREM', dk(d), name)
  end
  redis.call('DEL', key)
end
redis.call('SADD', NAMES, name)

local deps = cjson.decode(depsJson)
for _, d in ipairs(deps) do
  redis.call('SADD', dk(d), name)
end

if observed ~= '' then
  -- Rebuilding from the cluster: take its word. Registering never releases or fails
  -- dependents (nothing here could report them); the completion, delivered again, does.
  redis.call('HSET', key, 'uid', uid, 'state', observed, 'deps', depsJson, 'needs', needsJson, 'template', template,
    'dialect', dialect, 'pending', 0, 'outputs', obsOutputs, 'results', obsResults,
    'message', obsMessage, 'cause', '', 'response', obsResponse)
  if observed ~= 'succeeded' then reblock(name) end
  return cjson.encode({ k = 'settled', s = observed })
end

local failedDep, pending, seenDep, deleted = nil, {}, {}, {}
for _, d in ipairs(deps) do
  local state = redis.call('HGET', tk(d), 'state')
  if state == 'deleted' then
    -- Created before its dependency went: it sees it as it was then.
    local t = redis.call('HMGET', tk(d), 'was', 'at')
    if createdAt and createdAt <= (tonumber(t[2]) or 0) and (t[1] == 'succeeded' or t[1] == 'failed') then state = t[1] end
  end
  if state == 'failed' and not failedDep then failedDep = d end
  if state ~= 'succeeded' and not seenDep[d] then
    seenDep[d] = true
    pending[#pending + 1] = d
    if state == 'deleted' then deleted[#deleted + 1] = d end
  end
end

redis.call('HSET', key, 'uid', uid, 'state', 'waiting', 'deps', depsJson, 'needs', needsJson, 'template', template,
  'dialect', dialect, 'pending', 0, 'message', '', 'cause', '')
reblock(name)

if failedDep then
  local depCause = redis.call('HGET', tk(failedDep), 'cause')
  local root = failedDep
  if depCause and depCause ~= '' then root = depCause end
  local m = depMessage(failedDep, root)
  redis.call('HSET', key, 'state', 'failed', 'message', m, 'cause', root)
  return cjson.encode({ k = 'failed', m = m, f = failFrom(name, root, false) })
end

if #pending == 0 then
  redis.call('HSET', key, 'state', 'ready')
  return cjson.encode({ k = 'ready', t = readyTask(name) })
end

for _, d in ipairs(pending) do
  redis.call('HSET', key, 'p:' .. d, '1')
end
redis.call('HSET', key, 'pending', #pending)

-- Only a Task something already waits on can close a cycle.
if redis.call('SCARD', dk(name)) > 0 then
  local cycle = findCycle()
  if cycle then
    local m = 'Dependency cycle: ' .. table.concat(cycle, ' → ')
    redis.call('HSET', key, 'state', 'failed', 'message', m, 'cause', name, 'cycle', cjson.encode(cycle))
    return cjson.encode({ k = 'failed', m = m, c = cycle, f = failFrom(name, name, false) })
  end
end

return cjson.encode({ k = 'waiting', p = pending, g = deleted })
`;
