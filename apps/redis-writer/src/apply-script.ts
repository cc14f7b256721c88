/**
 * Set-if-newer for the fields of one hash, atomically, publishing what was applied.
 * KEYS[1] is the hash and also the channel. ARGV is a list of 5-tuples:
 * field, json, open_time, event_time, is_closed (0/1). Rank is compared lexicographically;
 * ticker and depth pass open_time 0 and is_closed 0, so only event_time counts for them.
 * An equal rank is a replay: skipped, not published. A stored value that cannot be decoded
 * is replaced, so one corrupt entry cannot block its key forever.
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
for i = 1, #ARGV, 5 do
  local field, json = ARGV[i], ARGV[i + 1]
  local ot, et, cl = tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4])
  local newer = true
  local current = redis.call('HGET', KEYS[1], field)
  if current then
    local cot, cet, ccl = rank_of(current)
    if cot then
      newer = ot > cot or (ot == cot and (et > cet or (et == cet and cl > ccl)))
    end
  end
  if newer then
    redis.call('HSET', KEYS[1], field, json)
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
