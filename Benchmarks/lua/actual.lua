-- (A) and (C): a credentialed GET from an allowed wildcard origin, proxied to the backend.
wrk.method = "GET"
wrk.headers["Origin"] = "https://x.example.org"
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")
