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
}
