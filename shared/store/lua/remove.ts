import { COMMON_LUA } from './common.js';

/**
 * A deleted Task becomes a tombstone, one atomic step. KEYS[1] namespace prefix; ARGV: name,
 * uid, when it went (ms). Its own dependents set stays (they wait for the name); its own edges
 * go. Reply 1 when made a tombstone (or one already), 0 when unknown or another uid.
 */
export const REMOVE_LUA = `${COMMON_LUA}
local name, uid, at = ARGV[1], ARGV[2], ARGV[3]
local key = tk(name)
local cur = redis.call('HMGET', key, 'uid', 'deps', 'state')
if not cur[1] or cur[1] ~= uid then return 0 end
if cur[3] == 'deleted' then return 1 end
local deps = cjson.decode(cur[2] or '[]')
for _, d in ipairs(deps) do
  redis.call('SREM', dk(d), name)
  redis.call('HDEL', key, 'p:' .. d)
end
redis.call('HDEL', key, 'template', 'needs', 'prompt', 'cycle')
if cur[3] ~= 'succeeded' then redis.call('HDEL', key, 'outputs', 'results', 'response') end
if cur[3] ~= 'failed' then redis.call('HDEL', key, 'message', 'cause') end
redis.call('HSET', key, 'state', 'deleted', 'was', cur[3] or '', 'at', at, 'deps', '[]', 'pending', 0)
return 1
`;

/**
 * Purge a tombstone nothing wants any more. KEYS[1] namespace prefix; ARGV: name, uid, the
 * time before which it must have gone (ms). Kept while a Task not yet launched depends on it.
 * Reply 1 when purged, 0 otherwise.
 */
export const PURGE_LUA = `${COMMON_LUA}
local name, uid, before = ARGV[1], ARGV[2], tonumber(ARGV[3])
local key = tk(name)
local cur = redis.call('HMGET', key, 'uid', 'state', 'at')
if cur[1] ~= uid or cur[2] ~= 'deleted' or (tonumber(cur[3]) or 0) >= before then return 0 end
if stillWanted(name) then return 0 end
redis.call('DEL', key)
redis.call('SREM', NAMES, name)
return 1
`;
