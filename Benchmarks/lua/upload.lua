-- (U) a 256 KiB request body, proxied; the backend reads all of it before it answers.
wrk.method = "POST"
wrk.headers["Origin"] = "https://app.example.com"
wrk.headers["Content-Type"] = "application/octet-stream"
wrk.body = string.rep("u", 256 * 1024)
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")
