/**
 * Set-if-newer for the fields of many hashes, publishing what was applied. One call covers up to
 * KEYS_PER_CALL keys: a call per key cost Redis 4–5 µs of command overhead on top of the work, and the
 * writer a command object each. KEYS[k] is a hash and also its channel. ARGV holds, for each key in
 * order, the number of its fields (1 or 2) and then a 6-tuple per field:
 * field, json, open_time, event_time, is_closed (0/1), order. Rank is compared lexicographically;
 * ticker and depth pass open_time 0 and is_closed 0, so only event_time and order count for them.
 * `order` is the normalizer's `order` header of an arrival-ordered record ('' for none): fixed-width
 * digits, kept beside the value in the field `<field>_order`, and compared only when both the stored
 * and the new value have one and the rest of the rank ties; the later order is the later update
 * (two updates of one bar received in the same millisecond). Otherwise an equal rank is a replay,
 * and so is an identical value: skipped, not published. A stored value that cannot be decoded is
 * replaced, so one corrupt entry cannot block its key forever.
 * Returns, per key, two entries: applied and skipped, or -1 and Redis's error for that key (a key
 * holding another type, say): every other key of the call is still written.
 */
export const APPLY_IF_NEWER_LUA = `
local function rank_of(json)
  local ok, v = pcall(cjson.decode, json)
  if not ok or type(v) ~= 'table' then return nil end
  local open_time = tonumber(v.open_time) or 0
  local event_time = tonumber(v.event_time) or 0
  local closed = 0
  if v.is_closed == true then closed = 1 end
  return open_time, event_time, closed
end
local function call(...)
  local reply = redis.pcall(...)
  if type(reply) == 'table' and reply.err then error(reply, 0) end
  return reply
end
local function apply(key, from, fields)
  local applied, skipped = 0, 0
  local published = {}
  for i = from, from + 6 * (fields - 1), 6 do
    local field, json = ARGV[i], ARGV[i + 1]
    local ot, et, cl, ord = tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4]), ARGV[i + 5]
    local order_field = field .. '_order'
    local newer = true
    local stored = call('HMGET', key, field, order_field)
    local current, cord = stored[1], stored[2]
    if current then
      local cot, cet, ccl = rank_of(current)
      if cot then
        if ot ~= cot then newer = ot > cot
        elseif et ~= cet then newer = et > cet
        elseif cl ~= ccl then newer = cl > ccl
        elseif ord == '' or current == json then newer = false
        else newer = cord ~= false and ord > cord
        end
      end
    end
    if newer then
      if ord ~= '' then
        call('HSET', key, field, json, order_field, ord)
      else
        call('HSET', key, field, json)
        if cord then call('HDEL', key, order_field) end
      end
      applied = applied + 1
      if not published[json] then
        call('PUBLISH', key, json)
        published[json] = true
      end
    else
      skipped = skipped + 1
    end
  end
  return applied, skipped
end
local result = {}
local at = 1
for k = 1, #KEYS do
  local fields = tonumber(ARGV[at])
  local ok, applied, skipped = pcall(apply, KEYS[k], at + 1, fields)
  if ok then
    result[#result + 1] = applied
    result[#result + 1] = skipped
  else
    result[#result + 1] = -1
    result[#result + 1] = type(applied) == 'table' and applied.err or tostring(applied)
  end
  at = at + 1 + 6 * fields
end
return result
`;

/** Keys per script call: large enough to amortise a call, small enough that no call holds Redis for long (~1 ms). */
export const KEYS_PER_CALL = 100;
