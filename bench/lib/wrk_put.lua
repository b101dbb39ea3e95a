-- wrk script: PUT a fixed 4 KiB body to the URL given on the command line.
wrk.method = "PUT"
wrk.body = string.rep("x", 4096)
wrk.headers["Content-Type"] = nil
