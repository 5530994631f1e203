import CCurl
import CCurlShim
import NIOCore
import Synchronization

/// The upstream HTTP client: libcurl's multi interface on dedicated threads ("shards"), one
/// multi handle each. Transfers are spread over the shards round-robin; each shard keeps its
/// own connection cache, so one shard (the default) gives the best connection reuse.
public final class CurlEngine: UpstreamClient {
    private let shards: [CurlShard]
    private let nextShard = Atomic<Int>(0)

    private static let globalInit: Void = {
        let code = gw_global_init()
        precondition(code == CURLE_OK, "curl_global_init failed: \(code.rawValue)")
    }()

    /// - Parameters:
    ///   - shards: curl threads; more only helps when TLS to backends is CPU-bound.
    ///   - maxCachedConnections: idle connections kept per shard for reuse.
    ///   - idleConnectionMaxAgeSeconds: a pooled connection idle longer is not reused.
    public init(shards: Int = 1, maxCachedConnections: Int = 1024, idleConnectionMaxAgeSeconds: Int = 4) {
        Self.globalInit
        self.shards = (0..<max(shards, 1)).map {
            CurlShard(
                name: "curl-\($0)",
                maxCachedConnections: maxCachedConnections,
                idleConnectionMaxAgeSeconds: idleConnectionMaxAgeSeconds
            )
        }
    }

    /// Starts a transfer. Its events reach `delegate` on `eventLoop`; the caller keeps the
    /// returned transfer to feed the request body, report written bytes, or cancel.
    public func startTransfer(
        _ request: UpstreamRequest,
        on eventLoop: any EventLoop,
        delegate: any UpstreamTransferDelegate
    ) -> any UpstreamTransfer {
        let index = self.nextShard.wrappingAdd(1, ordering: .relaxed).oldValue % self.shards.count
        let shard = self.shards[index]
        let transfer = CurlTransfer(
            request: request,
            eventLoop: eventLoop,
            delegate: delegate,
            shard: shard,
            flowControl: TransferFlowControl()
        )
        shard.submit(.start(transfer), from: eventLoop)
        return transfer
    }

    /// Transfers started and not yet finished or cancelled, across shards.
    public var transfersInFlight: Int {
        self.shards.reduce(0) { $0 + $1.transfersInFlight.load(ordering: .relaxed) }
    }

    /// Bytes buffered for transfers in flight, across shards (see `CurlShard.bufferedBytes`).
    public var bufferedBytes: Int {
        self.shards.reduce(0) { $0 + $1.bufferedBytes.load(ordering: .relaxed) }
    }

    /// Fails what is still running and stops every curl thread; returns once they have ended.
    /// Call it last, after the server stopped. Starts from then on fail `.unavailable`; more
    /// calls, also concurrent ones, wait for the same end.
    public func shutdown() {
        for shard in self.shards { shard.shutdown() }
    }

    /// Failed `curl_multi_perform`/`curl_multi_poll` calls, across shards (each is logged).
    public var multiCallFailures: Int {
        self.shards.reduce(0) { $0 + $1.multiCallFailures.load(ordering: .relaxed) }
    }
}
