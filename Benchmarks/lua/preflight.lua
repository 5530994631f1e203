-- (P) a CORS preflight, answered at the edge.
wrk.method = "OPTIONS"
wrk.headers["Origin"] = "https://app.example.com"
wrk.headers["Access-Control-Request-Method"] = "POST"
wrk.headers["Access-Control-Request-Headers"] = "content-type"
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")
