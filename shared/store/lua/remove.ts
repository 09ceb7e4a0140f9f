import { COMMON_LUA } from './common.js';

/**
 * Forget a deleted Task, one atomic step. KEYS[1] namespace prefix; ARGV: name, uid.
 * Its own dependents set stays: those Tasks wait for the name to succeed (again).
 * Reply 1 when removed, 0 when unknown or another uid.
 */
export const REMOVE_LUA = `${COMMON_LUA}
local name, uid = ARGV[1], ARGV[2]
local key = tk(name)
local cur = redis.call('HMGET', key, 'uid', 'deps')
if not cur[1] or cur[1] ~= uid then return 0 end
for _, d in ipairs(cjson.decode(cur[2] or '[]')) do
  redis.call('SREM', dk(d), name)
end
redis.call('DEL', key)
reblock(name)
return 1
`;
