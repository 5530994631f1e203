"""The soak's gateway.json: short timeouts, so that every bound a client checks is a few seconds,
and the versions the reloader cycles through (valid changes and invalid files)."""

import json

ORIGIN = "https://app.example.com"

# Every timeout the soak relies on, in milliseconds; the clients' bounds are computed from these.
LIMITS = {
    "maxRequestBodyBytes": 2 * 1024 * 1024,
    "headerTimeoutMs": 2000,
    "idleTimeoutMs": 3000,
    "bodyTimeoutMs": 3000,
}
BACKEND_TIMEOUTS = {
    "connectTimeoutMs": 1000,
    "responseTimeoutMs": 3000,
    "idleTimeoutMs": 2000,
    "queueTimeoutMs": 1000,
}
# The faulty backend's responseTimeoutMs alternates between these on reload (a changed backend).
FAULTY_RESPONSE_TIMEOUTS = (2500, 3000)
MAX_CONNECTIONS = {"steady": 64, "flaky": 16, "faulty": 6}
# Reloads alternate these too: new limits for new connections, a changed steady backend (its
# routes applied anew, its slots resized) while requests to it are in flight.
PIPELINED = (16, 8)
STEADY_MAX_CONNECTIONS = (64, 24)


def _backend(port, name, host="127.0.0.1", **overrides):
    return {"url": f"http://{host}:{port}", "maxConnections": MAX_CONNECTIONS[name],
            **BACKEND_TIMEOUTS, **overrides}


def _cors(max_age):
    return {"allowOrigins": [ORIGIN], "allowMethods": ["GET", "POST", "PUT"],
            "allowHeaders": ["content-type", "x-soak"], "exposeHeaders": ["x-soak-config"],
            "maxAge": max_age}


def valid(ports, version):
    """Version `version` of the config: what changes from one to the next is a response header
    the clients see (X-Soak-Config), a CORS max age, the faulty backend's response timeout and
    host name, the steady backend's maxConnections, the pipelining limit, and whether the route
    `extra` exists."""
    routes = [
        {"name": "steady", "match": {"pathPrefix": "/steady"}, "backend": "steady",
         "rewrite": {"stripPrefix": "/steady"}, "cors": _cors(600 + version % 7),
         "headers": {"response": {"set": {"X-Soak-Config": str(version)}}}},
        {"name": "flaky", "match": {"pathPrefix": "/flaky"}, "backend": "flaky",
         "rewrite": {"stripPrefix": "/flaky"}, "cors": _cors(600)},
        {"name": "faulty", "match": {"pathPrefix": "/faulty"}, "backend": "faulty",
         "rewrite": {"stripPrefix": "/faulty"}},
    ]
    if version % 2 == 0:
        routes.append({"name": "extra", "match": {"pathPrefix": "/extra"}, "backend": "steady",
                       "rewrite": {"stripPrefix": "/extra"}})
    return {
        "listen": ["127.0.0.1:0"],
        "admin": "127.0.0.1:0",
        "limits": dict(LIMITS, maxPipelinedRequests=PIPELINED[version % 2]),
        "backends": {
            "steady": _backend(ports["steady"], "steady",
                               maxConnections=STEADY_MAX_CONNECTIONS[steady_slots_index(version)]),
            "flaky": _backend(ports["flaky"], "flaky"),
            # A new host name is a new connection pool, reached through libcurl's resolver.
            "faulty": _backend(ports["faulty"], "faulty", host=("127.0.0.1", "localhost")[version // 2 % 2],
                               responseTimeoutMs=FAULTY_RESPONSE_TIMEOUTS[version % 2]),
        },
        "routes": routes,
    }


def steady_slots_index(version):
    return version % 3 // 2


def render(config):
    return json.dumps(config, indent=2).encode() + b"\n"


def broken_syntax(ports, version):
    """A file cut off halfway: a JSON syntax error, rejected as a whole."""
    text = render(valid(ports, version))
    return text[: len(text) // 2]


def unknown_top_level_key(ports, version):
    """Valid JSON with a misspelt top-level key: rejected as a whole."""
    config = valid(ports, version)
    config["limts"] = config.pop("limits")
    return render(config)


def invalid_route(ports, version):
    """Valid except the route `flaky`, whose max age is out of range: a partial reload that
    leaves `flaky` stale, still serving its previous version, and applies the rest."""
    config = valid(ports, version)
    config["routes"][1]["cors"]["maxAge"] = 99999999
    return render(config)
