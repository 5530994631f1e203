// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "cors-gateway",
    products: [
        .executable(name: "cors-gateway", targets: ["CorsGatewayCLI"]),
        .executable(name: "demo-functions", targets: ["DemoFunctionsCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/mxcl/Version.git", from: "2.2.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/google/swift-benchmark.git", from: "0.1.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
    ],
    targets: [
        // libcurl, found through pkg-config (Debian ships only libcurl.pc).
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // Typed, non-variadic wrappers of curl_easy_setopt & co. Nothing else lives in C.
        .target(name: "CCurlShim", dependencies: ["CCurl"]),
        // Mutex critical sections announced to ThreadSanitizer, which cannot see Synchronization.Mutex.
        .target(name: "VisibleLock"),
        .target(
            name: "CurlEngine",
            dependencies: [
                "CCurl", "CCurlShim", "VisibleLock",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Whole-file reads with the descriptor's fstat (gateway.json, package.json).
        .target(name: "FileContents"),
        // gateway.json: model, strict decoding, validation with JSON paths, compiled route table.
        .target(name: "GatewayConfig", dependencies: ["CORSPolicy", "CookiePolicy", "CPSL", "FileContents"]),
        // Pure CORS policy (SPEC §4): origin matching, preflight decisions, response headers, explain.
        .target(name: "CORSPolicy", dependencies: ["VisibleLock", "FetchCORS"]),
        // The Fetch standard's CORS decisions as a browser makes them (SPEC §13): pure, no I/O.
        .target(name: "FetchCORS"),
        // `probe`: asks a live server what a browser's fetch would ask (blocking libcurl) and
        // decides with FetchCORS.
        .target(name: "CORSProbe", dependencies: ["FetchCORS", "CCurl", "CCurlShim"]),
        // Pure cookie policy (SPEC §6): Set-Cookie rewriting and the request Cookie filter.
        .target(name: "CookiePolicy"),
        // libpsl, for refusing origin wildcards directly over a public suffix.
        .systemLibrary(
            name: "CPSL",
            pkgConfig: "libpsl",
            providers: [.apt(["libpsl-dev"])]
        ),
        // Pure request/response policy (hop-by-hop, X-Forwarded-*, request ids, error bodies, path normalisation, Host grammar).
        .target(
            name: "GatewayPolicy",
            dependencies: [
                "GatewayConfig", "FunctionRuntime",
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // Runtime handler versions (SPEC §5): runtimeHandler values and package.json declarations.
        .target(name: "FunctionRuntime", dependencies: ["FileContents", .product(name: "Version", package: "Version")]),
        // Structured log lines (logfmt or JSON) for swift-log, written off the caller's thread.
        .target(name: "GatewayLogging", dependencies: [.product(name: "Logging", package: "swift-log")]),
        // The SPEC §8 metric families, kept in a Prometheus registry through swift-metrics.
        .target(
            name: "GatewayMetrics",
            dependencies: [
                "VisibleLock",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(
            name: "GatewayServer",
            dependencies: [
                "GatewayConfig", "GatewayPolicy", "CurlEngine", "CORSPolicy", "FunctionRuntime", "CookiePolicy", "GatewayMetrics", "FileContents",
                "GatewayLogging", "VisibleLock",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
            ]
        ),
        .executableTarget(
            name: "CorsGatewayCLI",
            dependencies: [
                "GatewayConfig", "GatewayServer", "GatewayPolicy", "CORSPolicy", "CurlEngine", "GatewayLogging", "GatewayMetrics",
                "CORSProbe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // Demo function backends (one runtime handler >= 1.2.0, one classic) for `make run`.
        .target(
            name: "FunctionDemo",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "DemoFunctionsCLI",
            dependencies: [
                "FunctionDemo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Micro-benchmarks of the per-request pure work (CORS decision, header rewriting); not tests.
        .executableTarget(
            name: "MicroBenchmarks",
            dependencies: [
                "CORSPolicy", "CookiePolicy", "GatewayConfig", "GatewayPolicy",
                .product(name: "Benchmark", package: "swift-benchmark"),
            ],
            path: "Benchmarks/MicroBenchmarks"
        ),
        // Loopback test backends and a raw-socket HTTP client shared by the test targets.
        .target(
            name: "GatewayTestSupport",
            dependencies: [
                "GatewayServer", "GatewayConfig", "CurlEngine", "GatewayMetrics", "GatewayLogging",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
            ],
            path: "Tests/GatewayTestSupport"
        ),
        .testTarget(name: "GatewayConfigTests", dependencies: ["GatewayConfig"]),
        .testTarget(name: "GatewayLoggingTests", dependencies: ["GatewayLogging", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "GatewayMetricsTests", dependencies: ["GatewayMetrics", "GatewayTestSupport"]),
        .testTarget(name: "CORSPolicyTests", dependencies: ["CORSPolicy"]),
        .testTarget(name: "CookiePolicyTests", dependencies: ["CookiePolicy"]),
        .testTarget(name: "FetchCORSTests", dependencies: ["FetchCORS"]),
        .testTarget(name: "CORSProbeTests", dependencies: ["CORSProbe", "FetchCORS"]),
        .testTarget(name: "FunctionRuntimeTests", dependencies: ["FunctionRuntime"]),
        .testTarget(name: "GatewayPolicyTests", dependencies: ["GatewayPolicy", "GatewayConfig"]),
        .testTarget(
            name: "CurlEngineTests",
            dependencies: ["CurlEngine", "GatewayTestSupport"]
        ),
        .testTarget(name: "FunctionDemoTests", dependencies: ["FunctionDemo", "GatewayTestSupport"]),
        .testTarget(name: "BrowserTests", dependencies: ["GatewayServer", "GatewayConfig", "GatewayTestSupport", "CORSProbe", "FetchCORS", "FunctionDemo", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio")]),
        .testTarget(
            name: "GatewayServerTests",
            dependencies: [
                "GatewayServer", "GatewayConfig", "GatewayTestSupport", "FunctionDemo", "CORSProbe",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer targets (Docs/security.md "Fuzzing"), one per group of parsers of untrusted or
// operator input. Declared only when `make fuzz` sets CORS_GATEWAY_FUZZ, so `swift build` and
// `swift test` never build them; they reach internal API through `@testable import` (debug).
if Context.environment["CORS_GATEWAY_FUZZ"] != nil {
    func fuzzTarget(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
        .executableTarget(name: name, dependencies: dependencies + ["FuzzSupport"], path: "Fuzz/Targets/\(name)")
    }
    package.targets += [
        .target(name: "FuzzSupport", path: "Fuzz/Support"),
        fuzzTarget("FuzzRequestHead", [
            "GatewayServer", "GatewayConfig", "GatewayMetrics", "GatewayPolicy", "CurlEngine",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        fuzzTarget("FuzzResponseHead", ["CurlEngine"]),
        fuzzTarget("FuzzCORS", ["CORSPolicy"]),
        fuzzTarget("FuzzCookies", ["CookiePolicy"]),
        fuzzTarget("FuzzPathHost", ["GatewayPolicy", "GatewayConfig"]),
        fuzzTarget("FuzzConfig", ["GatewayConfig", "GatewayServer"]),
        fuzzTarget("FuzzPackageJSON", ["FunctionRuntime"]),
    ]
}
