import Foundation

/// Accent-insensitive search keys: "Nguyễn Văn Ánh" and "nguyen van anh" fold to the same key.
///
/// Vietnamese "đ/Đ" is a separate letter, not a base letter with a combining mark, so Unicode
/// decomposition alone leaves it in place; it is mapped to "d" explicitly.
public enum SearchKey {
    public static func fold(_ text: String) -> String {
        let lowered = text.replacingOccurrences(of: "đ", with: "d")
            .replacingOccurrences(of: "Đ", with: "d")
            .folding(options: [.diacriticInsensitive, .caseInsensitive, .widthInsensitive], locale: nil)
            .lowercased()
        var out = ""
        out.reserveCapacity(lowered.count)
        var pendingSpace = false
        for scalar in lowered.unicodeScalars {
            if CharacterSet.alphanumerics.contains(scalar) {
                if pendingSpace && !out.isEmpty { out.append(" ") }
                pendingSpace = false
                out.unicodeScalars.append(scalar)
            } else {
                pendingSpace = true
            }
        }
        return out
    }

    /// The SQL `LIKE` pattern that finds `query` anywhere in a folded key. Folding keeps only
    /// letters, digits and single spaces, so the pattern never holds `%`, `_` or an escape.
    public static func likePattern(_ query: String) -> String? {
        let key = fold(query)
        return key.isEmpty ? nil : "%\(key)%"
    }
}
