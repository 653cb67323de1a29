import CongvuDomain
import Crypto
import Foundation

/// Encrypts secrets kept at rest (two-factor seeds, later camera passwords) with AES-GCM.
/// The key comes from `CONGVU_SECRET_KEY` (64 hex digits) or a file `secret.key` in the data
/// directory, created with mode 0600 on first start.
public struct SecretBox: Sendable {
    private let key: SymmetricKey

    public init(key: SymmetricKey) { self.key = key }

    /// A key given that cannot be read is refused, never replaced: a new key would silently make
    /// every sealed secret (two-factor seeds, camera passwords) unreadable. Only a data directory
    /// without `secret.key` gets a new one (the first start).
    public static func load(dataDirectory: String, environmentKey: String?) throws -> SecretBox {
        if let hex = environmentKey {
            guard let data = Data(hex: hex.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32 else {
                throw SecretKeyUnusable(source: "CONGVU_SECRET_KEY (secret_key)", problem: "is not 64 hexadecimal digits")
            }
            return SecretBox(key: SymmetricKey(data: data))
        }
        let path = (dataDirectory as NSString).appendingPathComponent("secret.key")
        if FileManager.default.fileExists(atPath: path) {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw SecretKeyUnusable(source: path, problem: "cannot be read (check its owner and mode 0600)")
            }
            guard let data = Data(hex: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32 else {
                throw SecretKeyUnusable(source: path, problem: "is not 64 hexadecimal digits")
            }
            return SecretBox(key: SymmetricKey(data: data))
        }
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let key = SymmetricKey(size: .bits256)
        let hex = key.withUnsafeBytes { Data($0) }.hexString
        guard FileManager.default.createFile(atPath: path, contents: Data(hex.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw SecretKeyUnwritable(path: path)
        }
        return SecretBox(key: key)
    }

    /// A short keyed tag of `text` for one purpose (its own key derived from the secret), to put
    /// in a link that proves it came from us: a receipt's QR code carries the tag of its dossier
    /// code, so that only the holder of the receipt rates the dossier without further proof.
    public func tag(_ purpose: String, _ text: String, hexDigits: Int = 16) -> String {
        let derived = HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data("congvu-\(purpose)".utf8), outputByteCount: 32)
        return String(Data(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: derived)).hexString.prefix(hexDigits))
    }

    /// HMAC-SHA-256 of `text` under a key given in hex, as hex (what a kiosk signs a queued punch with).
    public static func hmac(hexKey: String, _ text: String) -> String {
        guard let key = Data(hex: hexKey) else { return "" }
        return Data(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: SymmetricKey(data: key))).hexString
    }

    public func seal(_ plain: String) throws -> String {
        try AES.GCM.seal(Data(plain.utf8), using: key).combined!.base64EncodedString()
    }

    public func open(_ sealed: String) throws -> String {
        guard let data = Data(base64Encoded: sealed) else { throw SecretUnreadable() }
        let box = try AES.GCM.SealedBox(combined: data)
        return String(decoding: try AES.GCM.open(box, using: key), as: UTF8.self)
    }
}

public struct SecretKeyUnwritable: Error, CustomStringConvertible {
    public let path: String
    public var description: String { "cannot write the secret key to \(path)" }
}

public struct SecretUnreadable: Error {}

/// The secret key was given but cannot be used: the server refuses to start rather than lose every
/// sealed secret. Restore the key from the backup kept with the database's.
public struct SecretKeyUnusable: Error, CustomStringConvertible {
    public let source: String
    public let problem: String
    public var description: String {
        "the secret key \(source) \(problem). Congvu will not start with a new key: every sealed secret (two-factor seeds, "
            + "camera passwords) would be lost. Restore the key kept with the database's backup, or remove the file only if the "
            + "database holds no sealed secret yet."
    }
}

extension Data {
    init?(hex: String) {
        guard hex.count % 2 == 0 else { return nil }
        var data = Data(capacity: hex.count / 2)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            data.append(byte)
            index = next
        }
        self = data
    }
}

/// Random tokens for sessions, CSRF and API access, and the hashes kept of them.
public enum Token {
    public static func random(bytes: Int = 32) -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in UInt8.random(in: 0...255, using: &g) }.hexString
    }

    /// Compares two secrets in time that does not depend on where they differ.
    public static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    /// Only the hash of a bearer secret is stored, so a copy of the database cannot be replayed.
    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).hexString
    }
}
