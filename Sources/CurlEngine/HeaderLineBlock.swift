import CCurl

/// A request's header lines for `CURLOPT_HTTPHEADER`, laid out in one allocation: the
/// `curl_slist` nodes, then the NUL-terminated lines they point to.
///
/// curl only reads the list it is given (it neither copies, changes nor frees it), so the list
/// need not come from `curl_slist_append`, which costs two allocations per line (node and
/// copied string): with the forwarded headers, about twenty per proxied request.
enum HeaderLineBlock {
    /// "Name: value" for each header (values written as the bytes they stand for, obs-text
    /// escaped by the request decoder read back: `RawByteEscapes`) ("Name;", curl's spelling of an empty value), then the
    /// fixed `lines` (C string literals, e.g. "Expect:"). Free it with `free(_:)` once curl is done.
    static func make(
        headers: [(name: String, value: String)], then lines: [StaticString]
    ) -> UnsafeMutablePointer<curl_slist> {
        let count = headers.count + lines.count
        precondition(count > 0, "an empty header list is a nil pointer, not a block")
        var textBytes = 0
        for (name, value) in headers {
            textBytes += name.utf8.count + (value.isEmpty ? 1 : 2 + RawByteEscapes.rawByteCount(value)) + 1
        }
        for line in lines { textBytes += line.utf8CodeUnitCount + 1 }
        let nodeBytes = count * MemoryLayout<curl_slist>.stride
        let block = UnsafeMutableRawPointer.allocate(
            byteCount: nodeBytes + textBytes, alignment: MemoryLayout<curl_slist>.alignment)
        let nodes = block.bindMemory(to: curl_slist.self, capacity: count)
        var text = (block + nodeBytes).bindMemory(to: UInt8.self, capacity: textBytes)

        func addNode(_ index: Int, spelling: (inout UnsafeMutablePointer<UInt8>) -> Void) {
            let start = text
            spelling(&text)
            text.pointee = 0
            text += 1
            let next = index + 1 < count ? nodes + index + 1 : nil
            (nodes + index).initialize(to: curl_slist(data: UnsafeMutableRawPointer(start).assumingMemoryBound(to: CChar.self), next: next))
        }
        for (index, (name, value)) in headers.enumerated() {
            addNode(index) { cursor in
                cursor.append(name)
                if value.isEmpty {
                    cursor.append(byte: UInt8(ascii: ";"))
                } else {
                    cursor.append(byte: UInt8(ascii: ":"))
                    cursor.append(byte: UInt8(ascii: " "))
                    cursor.appendRaw(value)
                }
            }
        }
        for (offset, line) in lines.enumerated() {
            addNode(headers.count + offset) { cursor in
                line.withUTF8Buffer { bytes in
                    cursor.update(from: bytes.baseAddress!, count: bytes.count)
                    cursor += bytes.count
                }
            }
        }
        return nodes
    }

    static func free(_ list: UnsafeMutablePointer<curl_slist>?) {
        list.map { UnsafeMutableRawPointer($0).deallocate() }
    }
}

extension UnsafeMutablePointer where Pointee == UInt8 {
    fileprivate mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            self.update(from: base, count: bytes.count)
            self += bytes.count
        }
    }

    /// The bytes a request header value stands for: its escaped obs-text read back (`RawByteEscapes`).
    fileprivate mutating func appendRaw(_ value: String) {
        guard RawByteEscapes.mayHoldEscapes(value) else { return self.append(value) }
        RawByteEscapes.writeRaw(value, to: &self)
    }

    fileprivate mutating func append(byte: UInt8) {
        self.pointee = byte
        self += 1
    }
}
