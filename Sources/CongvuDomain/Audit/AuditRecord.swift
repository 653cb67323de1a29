import Foundation

public enum AuditAction: String, Codable, Sendable, CaseIterable {
    case create, update, delete, login, logout, importData = "import"
}

/// One entry of the append-only audit log. `hash` covers the previous record's hash and
/// every field of this one, so changing, removing or reordering a row breaks the chain.
public struct AuditRecord: Sendable, Equatable {
    public var seq: Int64
    public var at: String
    public var actorID: Int64?
    public var actorName: String
    public var action: AuditAction
    public var objectType: String
    public var objectID: String
    public var before: String
    public var after: String
    public var reason: String
    public var prevHash: String
    public var hash: String

    public init(seq: Int64, at: String, actorID: Int64?, actorName: String, action: AuditAction,
                objectType: String, objectID: String, before: String, after: String, reason: String,
                prevHash: String, hash: String) {
        self.seq = seq
        self.at = at
        self.actorID = actorID
        self.actorName = actorName
        self.action = action
        self.objectType = objectType
        self.objectID = objectID
        self.before = before
        self.after = after
        self.reason = reason
        self.prevHash = prevHash
        self.hash = hash
    }

    /// The exact bytes that are hashed: the previous hash and each field, length-prefixed so that
    /// no choice of field contents can make two different records serialise alike.
    public var canonical: String {
        let fields = [prevHash, String(seq), at, actorID.map(String.init) ?? "", actorName, action.rawValue,
                      objectType, objectID, before, after, reason]
        return fields.map { "\($0.utf8.count):\($0)" }.joined(separator: "|")
    }

    /// The hash the first record chains from.
    public static let genesisHash = String(repeating: "0", count: 64)
}

/// Serialises a value to the stable JSON kept as an audit record's before/after.
public enum AuditJSON {
    public static func encode<T: Encodable>(_ value: T?) -> String {
        guard let value else { return "" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).flatMap { String(data: $0, encoding: .utf8) } ?? ""
    }

    /// The same text as the general `encode` for a map of strings (keys sorted, slashes as they
    /// are), written byte by byte: notifications' parameters are such maps, encoded at every raise,
    /// where `JSONEncoder` cost more than the statement's binding.
    public static func encode(_ map: [String: String]?) -> String {
        guard let map else { return "" }
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(map.reduce(2) { $0 + $1.key.utf8.count + $1.value.utf8.count + 6 })
        func string(_ s: String) {
            out.append(UInt8(ascii: "\""))
            for b in s.utf8 {
                switch b {
                case UInt8(ascii: "\""): out += [92, 34]
                case UInt8(ascii: "\\"): out += [92, 92]
                case 0x0A: out += [92, UInt8(ascii: "n")]
                case 0x0D: out += [92, UInt8(ascii: "r")]
                case 0x09: out += [92, UInt8(ascii: "t")]
                case 0x08: out += [92, UInt8(ascii: "b")]
                case 0x0C: out += [92, UInt8(ascii: "f")]
                case 0..<0x20:
                    let hex = Array("0123456789abcdef".utf8)
                    out += [92, UInt8(ascii: "u"), 48, 48, hex[Int(b >> 4)], hex[Int(b & 15)]]
                default: out.append(b)
                }
            }
            out.append(UInt8(ascii: "\""))
        }
        for (i, key) in map.keys.sorted().enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            string(key)
            out.append(UInt8(ascii: ":"))
            string(map[key]!)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}
