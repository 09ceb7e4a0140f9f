/**
 * ready → launched, one atomic step. KEYS[1] namespace prefix; ARGV: name, uid. Reply 1 | 0.
 */
export const LAUNCH_LUA = `
local key = KEYS[1] .. 't:' .. ARGV[1]
local cur = redis.call('HMGET', key, 'uid', 'state')
if cur[1] == ARGV[2] and cur[2] == 'ready' then
  redis.call('HSET', key, 'state', 'launched')
  return 1
end
return 0
`;
