/**
 * Lua shared by the store's scripts (prepended to each). KEYS[1] is the namespace prefix
 * (`<prefix>{<ns>}:`); every key a script touches is derived from it, so all of them share
 * the namespace's hash tag and slot.
 *
 * Entry hash fields (`<prefix>{<ns>}:t:<name>`):
 *   uid, state            the incarnation and its TaskState ('' uid: completion of an unknown Task)
 *   deps                  JSON array, dependsOn as registered
 *   needs                 JSON array, the deps a ready Task gets data for (dependsOn order);
 *                         '' or absent = all of deps
 *   template, dialect     what a ready Task's prompt is rendered from
 *   pending               how many `p:<dep>` fields there are
 *   p:<dep>               present while <dep> has not succeeded (only on `waiting` entries);
 *                         a field rather than a bare counter so that no event can count twice
 *   outputs, results      raw JSON of the Task's own completion ('null' when absent)
 *   message               why it failed
 *   cause                 set when the store failed it: the name at the root of the failure
 *                         (itself for a cycle it closed); '' when it failed on its own
 *   cycle                 JSON array, the cycle it closed
 *   prompt                the rendered prompt, recorded by the step that released the Task
 *                         (ready entries only; dropped at launch)
 *
 * Replies are cjson strings; cjson writes an empty array as {}, which the TS side reads as [].
 */
export const COMMON_LUA = `
local P = KEYS[1]
local function tk(n) return P .. 't:' .. n end
local function dk(n) return P .. 'd:' .. n end

local function depMessage(cur, root)
  if cur == root then return 'Dependency "' .. cur .. '" failed' end
  return 'Dependency "' .. cur .. '" failed (caused by "' .. root .. '")'
end

-- Everything a ready Task's prompt needs; dependency data stays raw JSON for the caller to parse.
-- With 'needs' set, only those entries are read, and the (possibly large) 'deps' is not.
local function readyTask(n)
  local key = tk(n)
  local h = redis.call('HMGET', key, 'uid', 'template', 'dialect', 'needs')
  local list = h[4]
  if not list or list == '' then list = redis.call('HGET', key, 'deps') or '[]' end
  local recs = {}
  for i, d in ipairs(cjson.decode(list)) do
    local r = redis.call('HMGET', tk(d), 'outputs', 'results')
    recs[i] = { d, r[1] or 'null', r[2] or 'null' }
  end
  return { n = n, u = h[1], tp = h[2] or '', dl = h[3] or '', d = recs }
end

-- Waiting Tasks that had counted <n> as done wait for it again: its entry was replaced or
-- removed, so the outputs they would be rendered with are gone until the name succeeds again.
local function reblock(n)
  local field = 'p:' .. n
  for _, d in ipairs(redis.call('SMEMBERS', dk(n))) do
    local key = tk(d)
    if redis.call('HGET', key, 'state') == 'waiting' and redis.call('HSETNX', key, field, '1') == 1 then
      redis.call('HINCRBY', key, 'pending', 1)
    end
  end
end

-- Fails, breadth first, the waiting Tasks downstream of <start> whose failure has root cause
-- <root>. With <again>, Tasks already failed by that root are listed (and walked) too, so a
-- redelivered event can finish what an interrupted handler started.
-- Returns { {name, uid, message}, ... }.
local function failFrom(start, root, again)
  local out = {}
  local seen = { [start] = true }
  local queue = { start }
  local head = 1
  while head <= #queue do
    local cur = queue[head]
    head = head + 1
    for _, d in ipairs(redis.call('SMEMBERS', dk(cur))) do
      if not seen[d] then
        local key = tk(d)
        local h = redis.call('HMGET', key, 'uid', 'state', 'cause', 'message')
        if h[2] == 'waiting' and redis.call('HEXISTS', key, 'p:' .. cur) == 1 then
          local m = depMessage(cur, root)
          redis.call('HSET', key, 'state', 'failed', 'message', m, 'cause', root)
          seen[d] = true
          queue[#queue + 1] = d
          out[#out + 1] = { d, h[1], m }
        elseif again and h[2] == 'failed' and h[3] == root then
          seen[d] = true
          queue[#queue + 1] = d
          out[#out + 1] = { d, h[1], h[4] or '' }
        end
      end
    end
  end
  return out
end
`;
