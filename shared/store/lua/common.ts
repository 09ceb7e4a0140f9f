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
 *   response              the agent's answer, raw text ('' or absent when none)
 *   message               why it failed
 *   cause                 set when the store failed it: the name at the root of the failure
 *                         (itself for a cycle it closed); '' when it failed on its own
 *   cycle                 JSON array, the cycle it closed
 *   prompt                the rendered prompt, recorded by the step that released the Task
 *                         (ready entries only; dropped at launch)
 *   s:<dep>               JSON [outputs, results, response] of <dep> as it was when this Task
 *                         counted it done, kept here when <dep>'s entry was replaced by a new
 *                         incarnation (dependents registered before keep rendering what it made)
 *   snaps                 how many `s:` fields there are (0 or absent: readyTask reads none)
 *
 * State 'deleted' (a tombstone, until resync purges it once nothing wants it and it is older
 * than the retention): the Task is gone from the cluster.
 *   was                   its state when it went; a succeeded one keeps outputs, results and
 *                         response, a failed one message and cause
 *   at                    when it went (ms since the epoch)
 * A Task created before `at` sees it as it was (renders its outputs, or fails with it); one
 * created after waits for a new Task of the name, and is told the old one was deleted.
 * The namespace's names set (<prefix>{<ns>}:n) lists every entry, for resync's index walk.
 *
 * Replies are cjson strings; cjson writes an empty array as {}, which the TS side reads as [].
 */
export const COMMON_LUA = `
local P = KEYS[1]
local function tk(n) return P .. 't:' .. n end
local function dk(n) return P .. 'd:' .. n end
local NAMES = P .. 'n'

-- One dependency's data as <owner> renders it: the copy <owner> kept (s:<d>) when <d>'s entry
-- was replaced, else <d>'s own entry. Raw JSON, for the caller to parse.
local function depRecord(owner, d, snaps)
  if snaps then
    local kept = redis.call('HGET', tk(owner), 's:' .. d)
    if kept then
      local v = cjson.decode(kept)
      return { d, v[1], v[2], v[3] }
    end
  end
  local r = redis.call('HMGET', tk(d), 'outputs', 'results', 'response')
  return { d, r[1] or 'null', r[2] or 'null', r[3] or '' }
end

local function depMessage(cur, root)
  if cur == root then return 'Dependency "' .. cur .. '" failed' end
  return 'Dependency "' .. cur .. '" failed (caused by "' .. root .. '")'
end

-- Everything a ready Task's prompt needs; dependency data stays raw JSON for the caller to parse.
-- With 'needs' set, only those entries are read, and the (possibly large) 'deps' is not.
local function readyTask(n)
  local key = tk(n)
  local h = redis.call('HMGET', key, 'uid', 'template', 'dialect', 'needs', 'snaps')
  local list = h[4]
  if not list or list == '' then list = redis.call('HGET', key, 'deps') or '[]' end
  local snaps = (tonumber(h[5]) or 0) > 0
  local recs = {}
  for i, d in ipairs(cjson.decode(list)) do
    recs[i] = depRecord(n, d, snaps)
  end
  return { n = n, u = h[1], tp = h[2] or '', dl = h[3] or '', d = recs }
end

-- Before <n>'s entry (succeeded, or a tombstone holding its data) is replaced: every dependent
-- that counted it done and has not launched yet keeps a copy of its data (s:<n>), so it renders
-- what it was registered against, not what a new incarnation will make.
local function keepForDependents(n)
  local r = redis.call('HMGET', tk(n), 'outputs', 'results', 'response')
  local copy = cjson.encode({ r[1] or 'null', r[2] or 'null', r[3] or '' })
  local field = 'p:' .. n
  for _, d in ipairs(redis.call('SMEMBERS', dk(n))) do
    local key = tk(d)
    local state = redis.call('HGET', key, 'state')
    if (state == 'waiting' and redis.call('HEXISTS', key, field) == 0) or state == 'ready' then
      if redis.call('HSETNX', key, 's:' .. n, copy) == 1 then redis.call('HINCRBY', key, 'snaps', 1) end
    end
  end
end

-- Whether a Task not yet launched depends on <n>: then a deleted <n> leaves a tombstone.
local function stillWanted(n)
  for _, d in ipairs(redis.call('SMEMBERS', dk(n))) do
    local state = redis.call('HGET', tk(d), 'state')
    if state == 'waiting' or state == 'ready' then return true end
  end
  return false
end

-- Waiting Tasks that had counted <n> as done, and kept no copy of its data, wait for it again:
-- the entry they would be rendered from is gone (a rebuilt index restoring <n> as unfinished).
local function reblock(n)
  local field = 'p:' .. n
  local kept = 's:' .. n
  for _, d in ipairs(redis.call('SMEMBERS', dk(n))) do
    local key = tk(d)
    if redis.call('HGET', key, 'state') == 'waiting' and redis.call('HEXISTS', key, kept) == 0
      and redis.call('HSETNX', key, field, '1') == 1 then
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
