-- (L) a 1 MiB response, proxied, from an allowed origin.
wrk.method = "GET"
wrk.headers["Origin"] = "https://app.example.com"
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")
