/// One JSON object per line, fields in record order.
enum JSONLine {
    static func render(_ record: LogRecord) -> String {
        var line: [UInt8] = []
        line.reserveCapacity(96 + record.message.utf8.count)
        line.append(ascii: "{\"time\":\"")
        line.append(rfc3339: record.time)
        line.append(ascii: "\",\"level\":")
        line.append(jsonString: record.level.rawValue)
        line.append(ascii: ",\"logger\":")
        line.append(jsonString: record.logger)
        line.append(ascii: ",\"msg\":")
        line.append(jsonString: record.message)
        for field in record.fields {
            line.append(UInt8(ascii: ","))
            line.append(jsonString: field.key)
            line.append(UInt8(ascii: ":"))
            line.append(jsonValue: field.value)
        }
        line.append(UInt8(ascii: "}"))
        return String(decoding: line, as: UTF8.self)
    }
}
