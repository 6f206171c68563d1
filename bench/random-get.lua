-- wrk script shared by the API benchmarks: GET PREFIX followed by a random line of IDS_FILE
-- (a referral id), as the holder of TOKEN.
--
--   wrk ... -s bench/random-get.lua URL -- IDS_FILE TOKEN PREFIX
--   e.g. PREFIX /v1/referrals/ or /v1/availability?kind=evaluation&referralId=
local ids = {}
local prefix
function init(args)
  for line in io.lines(args[1]) do ids[#ids + 1] = line end
  wrk.headers["Authorization"] = "Bearer " .. args[2]
  prefix = args[3]
end
function request()
  return wrk.format("GET", prefix .. ids[math.random(#ids)])
end
