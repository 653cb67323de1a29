import Foundation

/// `application/x-www-form-urlencoded` text: a form's body or a URL's query (`a=1&b=x+y&c`). One
/// reader for the office's forms and the terminals' queries: pairs in order, `+` and percent
/// escapes decoded (a broken escape is kept as written), a key without `=` has an empty value.
public enum FormURLEncoded {
    public static func pairs(_ raw: String) -> [(key: String, value: String)] {
        raw.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (decode(kv[0]), kv.count > 1 ? decode(kv[1]) : "")
        }
    }

    static func decode(_ s: Substring) -> String {
        let spaced = s.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
