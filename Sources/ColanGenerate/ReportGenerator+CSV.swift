import ColanTime

extension ReportGenerator {
    /// The CSV header of generated files (the generator's schema, in order).
    public static let csvHeader = schema.columns.map(\.name).joined(separator: ",")

    /// One day of history as CSV bytes: a header line, then one line per row,
    /// times as "YYYY-MM-DD HH:MM:SS" in UTC.
    public func csv(day: Int) -> [UInt8] {
        var out: [UInt8] = Array((Self.csvHeader + "\n").utf8)
        let names = channelIds.map { Array($0.utf8) }
        let countries = Vocabulary.countries.map { Array($0.utf8) }
        let types = Self.deviceTypes.map { Array($0.utf8) }
        let devices = Self.deviceNames.map { Array($0.utf8) }
        let contents = contentIds.map { Array($0.utf8) }
        for hour in (day * 24)..<((day + 1) * 24) {
            for r in rows(ofHour: hour) {
                CivilTime.append(r.time, to: &out)
                out.append(44); out.append(contentsOf: names[Int(r.channel)])
                out.append(44); out.append(contentsOf: countries[Int(r.country)])
                out.append(44); out.append(contentsOf: types[Int(Self.deviceTypeCode[Int(r.device)])])
                out.append(44); out.append(contentsOf: devices[Int(r.device)])
                out.append(44); out.append(contentsOf: contents[Int(r.content)])
                for v in [r.uniqueViewers, r.sessions, r.minutes] {
                    out.append(44)
                    out.append(contentsOf: String(v).utf8)
                }
                out.append(10)
            }
        }
        return out
    }
}
