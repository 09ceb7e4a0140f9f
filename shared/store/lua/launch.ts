/**
 * ready → launched, one atomic step; the recorded prompt goes (the Job holds it now).
 * KEYS[1] namespace prefix; ARGV: name, uid. Reply 1 | 0.
 */
export const LAUNCH_LUA = `
local key = KEYS[1] .. 't:' .. ARGV[1]
local cur = redis.call('HMGET', key, 'uid', 'state')
if cur[1] == ARGV[2] and cur[2] == 'ready' then
  redis.call('HSET', key, 'state', 'launched')
  redis.call('HDEL', key, 'prompt')
  return 1
end
return 0
`;

/**
 * Records released Tasks' prompts, first one standing. KEYS[1] namespace prefix; ARGV: name,
 * uid, prompt, repeated. Only an entry of that uid in state 'ready' takes one. Reply: how many did.
 */
export const PROMPTS_LUA = `
local n = 0
for i = 1, #ARGV, 3 do
  local key = KEYS[1] .. 't:' .. ARGV[i]
  local cur = redis.call('HMGET', key, 'uid', 'state')
  if cur[1] == ARGV[i + 1] and cur[2] == 'ready' then
    n = n + redis.call('HSETNX', key, 'prompt', ARGV[i + 2])
  end
end
return n
`;
