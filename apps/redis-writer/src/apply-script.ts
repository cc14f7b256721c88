/**
 * Set-if-newer for the fields of one hash, atomically, publishing what was applied.
 * KEYS[1] is the hash and also the channel. ARGV is a list of 6-tuples:
 * field, json, open_time, event_time, is_closed (0/1), order. Rank is compared lexicographically;
 * ticker and depth pass open_time 0 and is_closed 0, so only event_time and order count for them.
 * `order` is the normalizer's `order` header of an arrival-ordered record ('' for none): fixed-width
 * digits, kept beside the value in the field `<field>_order`, and compared only when both the stored
 * and the new value have one and the rest of the rank ties; the later order is the later update
 * (two updates of one bar received in the same millisecond). Otherwise an equal rank is a replay,
 * and so is an identical value: skipped, not published. A stored value that cannot be decoded is
 * replaced, so one corrupt entry cannot block its key forever.
 * Returns {applied, skipped}.
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
local applied, skipped = 0, 0
local published = {}
for i = 1, #ARGV, 6 do
  local field, json = ARGV[i], ARGV[i + 1]
  local ot, et, cl, ord = tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4]), ARGV[i + 5]
  local order_field = field .. '_order'
  local newer = true
  local current = redis.call('HGET', KEYS[1], field)
  if current then
    local cot, cet, ccl = rank_of(current)
    if cot then
      if ot ~= cot then newer = ot > cot
      elseif et ~= cet then newer = et > cet
      elseif cl ~= ccl then newer = cl > ccl
      elseif ord == '' or current == json then newer = false
      else
        local cord = redis.call('HGET', KEYS[1], order_field)
        newer = cord ~= false and ord > cord
      end
    end
  end
  if newer then
    if ord ~= '' then
      redis.call('HSET', KEYS[1], field, json, order_field, ord)
    else
      redis.call('HSET', KEYS[1], field, json)
      redis.call('HDEL', KEYS[1], order_field)
    end
    applied = applied + 1
    if not published[json] then
      redis.call('PUBLISH', KEYS[1], json)
      published[json] = true
    end
  else
    skipped = skipped + 1
  end
end
return {applied, skipped}
`;
