import ColanCore
#if canImport(Glibc)
import Glibc
#endif

/// A token, key or password. It is sent only as the vendor's header or form field; its
/// `description` is `***`, and every message `colan pull` prints passes through `redact`,
/// so it reaches no log, error, `--dry-run` output or file of the store.
public struct Secret: Sendable, CustomStringConvertible {
    /// The value, for the one header or form field that carries it.
    public let value: String

    /// A secret holding `value`.
    public init(_ value: String) { self.value = value }

    public var description: String { "***" }

    /// Reads a secret from `file` (its first line, spaces trimmed), else from the environment
    /// variable `variable`.
    /// - Throws: `ColanError` naming the option and variable when neither gives one (never the value).
    public static func load(file: String?, variable: String, option: String) throws -> Secret {
        if let file {
            let bytes: [UInt8]
            do { bytes = try FileIO.read(file) } catch { throw ColanError(.usage, "cannot read \(option) \(file)") }
            let line = String(decoding: bytes, as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r" }).first ?? ""
            let value = String(line).trimmingWhitespace()
            guard !value.isEmpty else { throw ColanError(.usage, "\(option) \(file) is empty") }
            return Secret(value)
        }
        if let raw = getenv(variable), let value = String(validatingCString: raw), !value.isEmpty {
            return Secret(value.trimmingWhitespace())
        }
        throw ColanError(.usage, "no credentials: give \(option) FILE or set $\(variable)")
    }
}

/// Replaces every occurrence of the secrets' values in messages with `***`.
public struct Redactor: Sendable {
    private let values: [String]

    /// A redactor for `secrets` (empty and very short values are ignored: they would blank out text).
    public init(_ secrets: [Secret]) {
        values = secrets.map(\.value).filter { $0.count >= 4 }.sorted { $0.count > $1.count }
    }

    /// `text` with every secret replaced by `***`.
    public func callAsFunction(_ text: String) -> String {
        var out = text
        for value in values where out.contains(value) { out = out.replacingAll(value, with: "***") }
        return out
    }
}
