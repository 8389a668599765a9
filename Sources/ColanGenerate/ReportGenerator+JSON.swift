import ColanSupport
import ColanTime

extension ReportGenerator {
    /// One channel's day as an Amagi v2 viewershipAnalytics response with
    /// HOURLY rows (the shape `?type=viewershipAnalytics&interval=HOURLY&channelId=...`
    /// returns): hours in UTC, rows summed over the other dimensions, and the
    /// totals block. Unique viewers of an hour are taken as 80% of the summed
    /// per-row viewers (viewers watching several contents count once).
    public func json(day: Int, channel: Int) -> [UInt8] {
        var hours: [(time: Int64, viewers: Int64, sessions: Int64, minutes: Int64)] = []
        for hour in (day * 24)..<((day + 1) * 24) {
            var v: Int64 = 0, s: Int64 = 0, m: Int64 = 0
            for r in rows(ofHour: hour) where Int(r.channel) == channel {
                v += r.uniqueViewers; s += r.sessions; m += r.minutes
            }
            hours.append((options.start + Int64(hour) * 3600, v * 4 / 5, s, m))
        }
        let date = String(CivilTime.format(options.start + Int64(day) * 86400).prefix(10))
        var out = "{\n\"dateRange\": {\n\"startDate\": \"\(date)\",\n\"endDate\": \"\(date)\",\n\"interval\": \"HOURLY\",\n"
        out += "\"startTime\": \"00:00\",\n\"endTime\": \"23:00\"\n},\n\"viewershipAnalytics\": [\n"
        for (i, h) in hours.enumerated() {
            out += "{\n\"time\": \"\(CivilTime.format(h.time))\",\n\"uniqueViewers\": \(h.viewers),\n"
            out += "\"numberOfSession\": \(h.sessions),\n\"viewershipMinutes\": \(h.minutes)\n}" + (i + 1 < hours.count ? ",\n" : "\n")
        }
        let sessions = hours.reduce(0) { $0 + $1.sessions }, minutes = hours.reduce(0) { $0 + $1.minutes }
        let viewers = hours.map(\.viewers).max() ?? 0
        out += "],\n\"totalSessions\": \(sessions),\n\"totalViewershipMinutes\": \(minutes),\n\"aggregatedViewers\": \(viewers),\n"
        out += "\"dailyAverageNumberOfViewers\": \(viewers),\n\"dailyAverageSessionCount\": \(sessions),\n"
        out += "\"dailyAverageViewershipMinutes\": \(minutes),\n"
        out += "\"avgSessionDuration\": \(TextFormat.decimal(sessions == 0 ? 0 : Double(minutes) / Double(sessions))),\n"
        out += "\"avgSessionPerViewer\": \(TextFormat.decimal(viewers == 0 ? 0 : Double(sessions) / Double(viewers)))\n}\n"
        return Array(out.utf8)
    }
}
