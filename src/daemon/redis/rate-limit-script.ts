import { luaNow } from './scripts.js'

/**
 * The rate limiter's check as one Lua script, run atomically by Redis: every limit of a key is
 * refilled, checked and (if all have room) drawn from in one round trip, so two daemons can
 * never both take the last token. It is `MemoryRateLimiter.check` step for step, in the same
 * IEEE double arithmetic (Lua 5.1 numbers are doubles), so both decide alike on the same
 * sequence (test/redis/rate-limiter.test.ts holds them to it).
 *
 * KEYS[1]: the key's state, a hash: `spec` (the limits it was built for) and `a<i>`, `b<i>` per
 *   limit (tokens and last refill for a bucket; count and window start for a fixed window),
 *   written with 17 significant digits so that every double survives the trip.
 * ARGV: clock (`server`: Redis's TIME; else the caller's `now` in ms), now, cost, n, then per
 *   limit: algorithm (`t` token bucket, `w` fixed window), tokens per second, capacity.
 * Returns: allowed (1/0), the 1-based index of the limit to show, then as strings (floats do
 *   not survive a Redis integer reply): its tokens left, when it is full again (ms), the now
 *   used (ms) and the wait of a refused request (ms).
 *
 * State built for other limits (they were changed) starts full, like a new key. It expires once
 * every limit would be full again, plus a minute: an idle key costs Redis nothing.
 */
export const RATE_LIMIT_LUA = `
local MAX_WAIT = ${365 * 86_400_000}
${luaNow(1, 'fraction')}
local cost = tonumber(ARGV[3])
local n = tonumber(ARGV[4])
local spec = table.concat(ARGV, ',', 5, 4 + 3 * n)
local alg, tps, cap = {}, {}, {}
local fields = { 'spec' }
for i = 1, n do
  local o = 4 + (i - 1) * 3
  alg[i] = ARGV[o + 1]
  tps[i] = tonumber(ARGV[o + 2])
  cap[i] = tonumber(ARGV[o + 3])
  fields[#fields + 1] = 'a' .. i
  fields[#fields + 1] = 'b' .. i
end

local stored = redis.call('HMGET', KEYS[1], unpack(fields))
local a, b = {}, {}
local fresh = stored[1] ~= spec
for i = 1, n do
  if not fresh then
    a[i] = tonumber(stored[2 * i])
    b[i] = tonumber(stored[2 * i + 1])
    if a[i] == nil or b[i] == nil then fresh = true end
  end
end
if fresh then
  for i = 1, n do
    if alg[i] == 't' then a[i] = cap[i] else a[i] = 0 end
    b[i] = now
  end
end

local function windowMs(i)
  return math.min(MAX_WAIT, (cap[i] / tps[i]) * 1000)
end
local function remainingOf(i)
  if alg[i] == 't' then return a[i] end
  return cap[i] - a[i]
end
local function fullAt(i)
  if alg[i] == 't' then return now + math.min(MAX_WAIT, ((cap[i] - a[i]) / tps[i]) * 1000) end
  if a[i] == 0 then return now end
  return b[i] + windowMs(i)
end

local deny = -1
local retry = 0
for i = 1, n do
  if alg[i] == 't' then
    if now > b[i] then
      a[i] = math.min(cap[i], a[i] + ((now - b[i]) / 1000) * tps[i])
      b[i] = now
    end
  else
    local w = windowMs(i)
    if now >= b[i] + w then
      b[i] = b[i] + math.floor((now - b[i]) / w) * w
      a[i] = 0
    end
  end
  if remainingOf(i) < cost then
    local wait
    if alg[i] == 't' then wait = ((cost - a[i]) / tps[i]) * 1000 else wait = b[i] + windowMs(i) - now end
    if deny < 0 or wait > retry then
      deny = i
      retry = wait
    end
  end
end
retry = math.min(retry, MAX_WAIT)
if deny < 0 then
  for i = 1, n do
    if alg[i] == 't' then a[i] = a[i] - cost else a[i] = a[i] + cost end
  end
end

local pick = deny
if pick < 0 then
  local least = math.huge
  for i = 1, n do
    local left = remainingOf(i)
    if left < least then
      least = left
      pick = i
    end
  end
end

local write = { 'spec', spec }
local idle = 0
for i = 1, n do
  write[#write + 1] = 'a' .. i
  write[#write + 1] = string.format('%.17g', a[i])
  write[#write + 1] = 'b' .. i
  write[#write + 1] = string.format('%.17g', b[i])
  idle = math.max(idle, fullAt(i) - now)
end
redis.call('HSET', KEYS[1], unpack(write))
redis.call('PEXPIRE', KEYS[1], math.ceil(idle) + 60000)

local allowed = 0
if deny < 0 then allowed = 1 end
return { allowed, pick, string.format('%.17g', remainingOf(pick)), string.format('%.17g', fullAt(pick)),
  string.format('%.17g', now), string.format('%.17g', retry) }
`
