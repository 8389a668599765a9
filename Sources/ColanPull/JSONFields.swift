import ColanCore
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// The top-level strings and numbers of a JSON object (a token response, an error body, a
/// page's row count), read with FoundationEssentials' decoder: ColanPull links no more of
/// Foundation, whose CoreFoundation start-up would cost every colan command (agg included)
/// over a millisecond.
struct JSONFields: Decodable {
    var strings: [String: String] = [:]
    var numbers: [String: Double] = [:]

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys {
            if let text = try? container.decode(String.self, forKey: key) {
                strings[key.stringValue] = text
            } else if let number = try? container.decode(Double.self, forKey: key) {
                numbers[key.stringValue] = number
            }
        }
    }

    /// The fields of `bytes` when they are a JSON object, else nil.
    static func of(_ bytes: [UInt8]) -> JSONFields? {
        try? JSONDecoder().decode(JSONFields.self, from: Data(bytes))
    }

    /// A whole number, given as a number or as digits.
    func int(_ key: String) -> Int? {
        if let n = numbers[key], n == n.rounded(), abs(n) < 1e15 { return Int(n) }
        return strings[key].flatMap { Int($0) }
    }
}

/// Amagi's channel list: the ids of its viewership and ad channels.
struct ChannelList: Decodable {
    struct Channel: Decodable { var channelId: String? }
    var viewershipChannels: [Channel]?
    var adAnalyticsChannels: [Channel]?
}

/// Seconds since 1970, now.
func currentSeconds() -> Int64 { Int64(time(nil)) }

/// A UTC instant as a name part that sorts in time order: `2026-12-06T060001Z`.
func compactUTC(_ seconds: Int64) -> String {
    CivilTime.format(seconds).replacingAll(" ", with: "T").replacingAll(":", with: "") + "Z"
}
