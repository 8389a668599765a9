/// A report's cuboid: its kind, interval, zone and specific dimensions (DESIGN.md, "every report is
/// a cuboid"). Rows of one cuboid are one breakdown of the viewing; segments hold rows of one cuboid.
/// `encoded` is its one text form, in the manifest's CUBOID field and a segment's metadata:
/// "kind|interval|zone|dim,dim", each part with '%', '|' and ',' escaped as %25, %7C and %2C, so a
/// dimension named "Device, Type" or "a|b" (a CSV header) cannot be read back as two.
public struct Cuboid: Hashable, Sendable {
    /// The report kind.
    public var kind: String
    /// HOURLY, DAILY, WEEKLY, MONTHLY, INSTANT or NONE.
    public var interval: String
    /// The zone its time labels were read in.
    public var zone: String
    /// The specific dimensions, sorted.
    public var dimensions: [String]

    /// A cuboid; `dimensions` are sorted.
    public init(kind: String, interval: String, zone: String, dimensions: [String]) {
        self.kind = kind
        self.interval = interval
        self.zone = zone
        self.dimensions = dimensions.sorted()
    }

    /// Reads an encoded cuboid; nil when it does not have the four parts.
    public init?(encoded: String) {
        let parts = encoded.split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        kind = Self.unescape(parts[0])
        interval = Self.unescape(parts[1])
        zone = Self.unescape(parts[2])
        dimensions = parts[3].isEmpty ? [] : parts[3].split(separator: ",", omittingEmptySubsequences: false).map(Self.unescape)
    }

    /// The text form (see the type's comment).
    public var encoded: String {
        // Built as bytes: every report an import takes is named by its encoded cuboid.
        var out: [UInt8] = []
        out.reserveCapacity(48 + dimensions.reduce(0) { $0 + $1.utf8.count + 1 })
        Self.appendEscaped(kind, to: &out)
        out.append(124)  // |
        Self.appendEscaped(interval, to: &out)
        out.append(124)
        Self.appendEscaped(zone, to: &out)
        out.append(124)
        for (i, dimension) in dimensions.enumerated() {
            if i > 0 { out.append(44) }  // ,
            Self.appendEscaped(dimension, to: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `s` with '%', '|' and ',' as %25, %7C and %2C, by UTF-8 bytes (they are ASCII, never inside
    /// a longer character's bytes; walking Characters would break graphemes).
    static func appendEscaped(_ s: String, to out: inout [UInt8]) {
        for b in s.utf8 {
            switch b {
            case 37: out.append(contentsOf: [37, 50, 53])  // %25
            case 124: out.append(contentsOf: [37, 55, 67])  // %7C
            case 44: out.append(contentsOf: [37, 50, 67])  // %2C
            default: out.append(b)
            }
        }
    }

    static func unescape(_ s: Substring) -> String {
        guard s.contains("%") else { return String(s) }
        return String(s).replacingAll("%2C", with: ",").replacingAll("%7C", with: "|").replacingAll("%25", with: "%")
    }
}
