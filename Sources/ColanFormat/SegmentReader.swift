import ColanSupport
import ColanColumns

/// Reads a `.colan` segment: maps the file, checks the trailer and the footer
/// checksum once, then decodes only the chunks a caller asks for, verifying
/// each chunk's checksum before decoding it.
///
/// Every failure names the file and, for chunks, the row group and column.
public final class SegmentReader: @unchecked Sendable {
    /// The file's path, as given.
    public let path: String
    /// The parsed footer: schema, metadata, row groups and their statistics.
    public let footer: SegmentFooter
    /// The file's size in bytes.
    public var fileSize: Int { file.bytes.count }
    private let file: MappedFile

    /// The table's columns.
    public var schema: Schema { footer.schema }
    /// Total rows.
    public var rowCount: Int { footer.rowCount }

    /// Lets go of the pages of row group `g`'s chunks once it has been read (`MappedFile.release`):
    /// a scan of a store larger than memory keeps its resident memory to the row groups in flight.
    public func releasePages(ofRowGroup g: Int) {
        let chunks = footer.rowGroups[g].chunks
        guard let start = chunks.map(\.offset).min(), let end = chunks.map({ $0.offset + $0.length }).max() else { return }
        file.release(start..<end)
    }

    /// Opens and validates the segment at `path`.
    public init(path: String) throws {
        self.path = path
        do {
            file = try MappedFile(path: path)
            footer = try Self.readFooter(file.bytes)
        } catch let error as ColanError {
            throw error.inFile(path)
        }
    }

    private static func readFooter(_ bytes: UnsafeRawBufferPointer) throws -> SegmentFooter {
        let size = bytes.count
        guard size >= SegmentLayout.headerSize + SegmentLayout.trailerSize else {
            throw ColanError(.format, "file is \(size) bytes, too short to be a colan segment (truncated?)")
        }
        guard Array(bytes[0..<8]) == SegmentLayout.headerMagic else {
            throw ColanError(.format, "not a colan segment: the header magic is missing")
        }
        var trailer = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[(size - SegmentLayout.trailerSize)...]), what: "trailer")
        let checksum = try trailer.u64()
        let footerLength = Int(try trailer.u32())
        let version = try trailer.u16()
        let trailerFlags = try trailer.u16()
        guard Array(try trailer.bytes(8)) == SegmentLayout.trailerMagic else {
            throw ColanError(.format, "the trailer magic is missing: the file is truncated or corrupt")
        }
        let footerEnd = size - SegmentLayout.trailerSize
        guard footerLength <= footerEnd - SegmentLayout.headerSize else {
            throw ColanError(.format, "footer length \(footerLength) does not fit in the file: truncated or corrupt")
        }
        let footerBytes = UnsafeRawBufferPointer(rebasing: bytes[(footerEnd - footerLength)..<footerEnd])
        guard Checksum.xxh64(footerBytes, seed: UInt64(version)) == checksum else {
            throw ColanError(.format, "footer checksum mismatch: the file is corrupt")
        }
        var header = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[8..<16]), what: "header")
        let headerVersion = try header.u16()
        let headerFlags = try header.u16()
        let reserved = try header.u32()
        guard version <= SegmentLayout.version else {
            throw ColanError(.format, "written in colan format version \(version); this colan reads versions up to \(SegmentLayout.version)",
                             hint: "upgrade colan to read it")
        }
        guard headerVersion == version, version >= 1 else {
            throw ColanError(.format, "header version \(headerVersion) differs from trailer version \(version): the file is corrupt")
        }
        guard headerFlags == 0, reserved == 0, trailerFlags == 0 else {
            throw ColanError(.format, "unknown flags in the header or trailer: the file is corrupt")
        }
        return try SegmentFooter.parse(footerBytes, chunkArea: SegmentLayout.headerSize..<(footerEnd - footerLength))
    }

    /// Decodes one column chunk.
    /// - Throws: a `ColanError` naming the file, row group and column when the
    ///   chunk's checksum does not match or its bytes do not decode.
    public func read(column: Int, rowGroup: Int) throws -> ColumnVector {
        precondition(column >= 0 && column < schema.columns.count && rowGroup >= 0 && rowGroup < footer.rowGroups.count)
        let type = schema.columns[column].type
        return try withChunk(column, rowGroup) { try ChunkDecoder.decode($0, count: $1, type: type) }
    }

    /// Runs `decode` over a chunk's verified bytes, naming file, row group and column in its errors.
    private func withChunk<T>(_ column: Int, _ rowGroup: Int, _ decode: (UnsafeRawBufferPointer, Int) throws -> T) throws -> T {
        let group = footer.rowGroups[rowGroup]
        let chunk = group.chunks[column]
        let body = UnsafeRawBufferPointer(rebasing: file.bytes[chunk.offset..<(chunk.offset + chunk.length)])
        let location = "row group \(rowGroup), column '\(schema.columns[column].name)'"
        guard Checksum.xxh64(body) == chunk.checksum else {
            throw ColanError(.format, "chunk checksum mismatch: the file is corrupt", file: path, location: location)
        }
        do {
            return try decode(body, group.rowCount)
        } catch var error as ColanError {
            error.file = path
            error.location = location
            throw error
        }
    }

    /// Decodes an integer (int64, timestamp, bool) chunk into `buffer`, which
    /// must hold the row group's rows; returns the validity bitmap, if any.
    /// Kernels reuse one buffer across row groups this way.
    public func readIntegers(column: Int, rowGroup: Int, into buffer: AlignedBuffer<Int64>) throws -> [UInt64]? {
        guard [.int64, .timestamp, .bool].contains(schema.columns[column].type) else {
            throw ColanError(.format, "'\(schema.columns[column].name)' is not an integer column", file: path)
        }
        return try withChunk(column, rowGroup) { try ChunkDecoder.decodeInts($0, count: $1, into: buffer) }
    }

    /// A cursor over an integer chunk (int64, timestamp, bool) that decodes it a vector at a time.
    package func integerCursor(column: Int, rowGroup: Int) throws -> IntChunkCursor {
        try withChunk(column, rowGroup) { try IntChunkCursor(chunk: $0, count: $1) }
    }

    /// A cursor over a string chunk's codes that decodes them a vector at a time.
    package func codeCursor(column: Int, rowGroup: Int) throws -> CodeCursor {
        guard schema.columns[column].type == .string else {
            throw ColanError(.format, "'\(schema.columns[column].name)' is not a string column", file: path)
        }
        return try withChunk(column, rowGroup) { try CodeCursor(chunk: $0, count: $1) }
    }

    /// Reads only the dictionary of a string chunk (the codes are not decoded):
    /// for planning a group-by before scanning. The chunk's checksum is verified.
    public func readDictionary(column: Int, rowGroup: Int) throws -> [String] {
        guard schema.columns[column].type == .string else {
            throw ColanError(.format, "'\(schema.columns[column].name)' is not a string column", file: path)
        }
        return try withChunk(column, rowGroup) { try ChunkDecoder.dictionary($0, count: $1) }
    }

    /// Decodes one column chunk by column name.
    public func read(column name: String, rowGroup: Int) throws -> ColumnVector {
        guard let index = schema.index(of: name) else {
            throw ColanError(.format, "no column named '\(name)'", file: path,
                             hint: "columns: " + schema.columns.map(\.name).joined(separator: ", "))
        }
        return try read(column: index, rowGroup: rowGroup)
    }

    /// Verifies every chunk's checksum and decodes it; returns the first error.
    public func verify() throws {
        for g in footer.rowGroups.indices {
            for c in schema.columns.indices { _ = try read(column: c, rowGroup: g) }
        }
    }
}
