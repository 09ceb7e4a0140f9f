import { COMMON_LUA } from './common.js';

/**
 * Record a Task's terminal result and settle its dependents, one atomic step.
 * KEYS[1] namespace prefix.
 * ARGV: name, uid ('' when the reporter does not know it), '1' succeeded | '0' failed,
 * outputs JSON, results JSON, message, response (raw text).
 * Reply (JSON): {s='recorded'|'duplicate'|'stale', r=[<readyTask>...], f=[[name, uid, message]...]}.
 *
 * Success costs O(direct dependents): each dependent loses one `p:<name>` field and one count;
 * only the one reaching zero reads its dependencies' data.
 */
export const COMPLETE_LUA = `${COMMON_LUA}
local name, uid, succeeded = ARGV[1], ARGV[2], ARGV[3] == '1'
local outputs, results, message, response = ARGV[4], ARGV[5], ARGV[6], ARGV[7] or ''
local key = tk(name)

local cur = redis.call('HMGET', key, 'uid', 'state', 'cause')
local status, cause = 'recorded', ''
if cur[1] then
  -- Another incarnation's report, or one for a Task already deleted: nothing to record.
  if (uid ~= '' and cur[1] ~= '' and cur[1] ~= uid) or cur[2] == 'deleted' then
    return cjson.encode({ s = 'stale', r = {}, f = {} })
  end
  if cur[2] == 'succeeded' or cur[2] == 'failed' then
    -- Already settled: the first result stands; walk its consequences again.
    status = 'duplicate'
    succeeded = cur[2] == 'succeeded'
    cause = cur[3] or ''
  end
else
  -- Never registered (or Redis was wiped): keep the result for whoever waits on the name.
  redis.call('HSET', key, 'uid', uid, 'deps', '[]', 'template', '', 'dialect', '', 'pending', 0, 'cause', '')
  redis.call('SADD', NAMES, name)
end

if status == 'recorded' then
  local state = 'failed'
  if succeeded then
    state = 'succeeded'
    message = ''
  end
  redis.call('HSET', key, 'state', state, 'outputs', outputs, 'results', results, 'message', message, 'response', response)
  redis.call('HDEL', key, 'prompt')
end

local ready, failed = {}, {}
if succeeded then
  local field = 'p:' .. name
  for _, d in ipairs(redis.call('SMEMBERS', dk(name))) do
    local dkey = tk(d)
    local state = redis.call('HGET', dkey, 'state')
    if state == 'waiting' then
      if redis.call('HDEL', dkey, field) == 1 and redis.call('HINCRBY', dkey, 'pending', -1) <= 0 then
        redis.call('HSET', dkey, 'state', 'ready')
        ready[#ready + 1] = readyTask(d)
      end
    elseif state == 'ready' and status == 'duplicate' then
      ready[#ready + 1] = readyTask(d)
    end
  end
else
  local root = name
  if cause ~= '' then root = cause end
  failed = failFrom(name, root, status == 'duplicate')
end

return cjson.encode({ s = status, r = ready, f = failed })
`;
