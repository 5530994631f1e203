/// One JSON object per line, fields in record order.
enum JSONLine {
    static func render(_ record: LogRecord) -> String {
        var line: [UInt8] = []
        line.reserveCapacity(96 + record.message.utf8.count)
        line.appendFixedFields(.json, time: record.time, level: record.level, logger: record.logger, message: record.message)
        for field in record.fields {
            line.append(UInt8(ascii: ","))
            line.append(jsonString: field.key)
            line.append(UInt8(ascii: ":"))
            line.append(jsonValue: field.value)
        }
        line.appendLineEnd(.json)
        return String(decoding: line, as: UTF8.self)
    }
}
