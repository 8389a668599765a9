/// The positions of `strings` in UTF-8 byte order (the order of sorted
/// dictionaries and of result rows): `strings[order[0]]` comes first. Sorts
/// byte arrays, much faster than comparing `String.UTF8View`s.
package func utf8Order(_ strings: [String]) -> [Int] {
    let bytes = strings.map { Array($0.utf8) }
    return bytes.indices.sorted { bytes[$0].lexicographicallyPrecedes(bytes[$1]) }
}

/// Each string's rank in UTF-8 byte order: the inverse of `utf8Order`.
package func utf8Ranks(_ strings: [String]) -> [UInt32] {
    var rank = [UInt32](repeating: 0, count: strings.count)
    for (r, i) in utf8Order(strings).enumerated() { rank[i] = UInt32(r) }
    return rank
}
