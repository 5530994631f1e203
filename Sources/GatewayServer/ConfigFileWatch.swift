/// Reloads when the config file changes: an in-place write, a replace-by-rename, or a
/// Kubernetes ConfigMap's `..data` symlink swap (the path is stat-ed through its symlinks).
///
/// A poll, not inotify: inotify watches inodes, and all three kinds of change replace or
/// re-point them, so a watch would need re-arming on every swap. A stat and a read of a few
/// kilobytes every 250 ms costs nothing measurable. A change is applied once the file has
/// looked the same on two polls in a row, so a write caught half-way is not reloaded (and
/// reported as rejected) before it is complete: a change applies within about 0.5 s.
public struct ConfigFileWatch: Sendable {
    private let reloader: ConfigReloader
    private let interval: Duration

    public init(reloader: ConfigReloader, interval: Duration = .milliseconds(250)) {
        self.reloader = reloader
        self.interval = interval
    }

    /// Polls until the task is cancelled.
    public func run() async {
        var candidate: FileFingerprint?
        while !Task.isCancelled {
            do { try await Task.sleep(for: self.interval) } catch { return }
            guard let seen = FileFingerprint(of: self.reloader.path), seen != self.reloader.fingerprint else {
                candidate = nil  // unchanged, or missing for a moment while being replaced
                continue
            }
            if seen == candidate {
                candidate = nil
                self.reloader.reload(trigger: .file)
            } else {
                candidate = seen
            }
        }
    }
}
