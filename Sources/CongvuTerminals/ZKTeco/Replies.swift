import CongvuDomain
import Crypto
import Foundation

/// What the server says to a terminal: every reply is `200 text/plain`; the terminal sets its
/// clock from the `Date` header (which the HTTP server adds to every reply) and the handshake's
/// `TimeZone`.
public enum PushReply {
    /// The handshake's option block; stamps are what the server last stored (0: send everything).
    public static func options(serial: String, attLogStamp: String = "0", operLogStamp: String = "9999", photoStamp: String = "0",
                               utcOffset: Int = 7 * 3600, delay: Int = 10, errorDelay: Int = 30, realtime: Bool = true,
                               photos: Bool = true) -> String {
        [
            "GET OPTION FROM: \(serial)",
            "ATTLOGStamp=\(attLogStamp)",
            "OPERLOGStamp=\(operLogStamp)",
            "ATTPHOTOStamp=\(photoStamp)",
            "ErrorDelay=\(errorDelay)",
            "Delay=\(delay)",
            "TransTimes=00:00;14:05",
            "TransInterval=1",
            "TransFlag=TransData AttLog\tOpLog\t\(photos ? "AttPhoto\t" : "")EnrollUser\tChgUser",
            "TimeZone=\(timeZone(utcOffset))",
            "Realtime=\(realtime ? 1 : 0)",
            "Encrypt=None",
            "ServerVer=2.4.1",
            "PushProtVer=2.4.1",
        ].joined(separator: "\n") + "\n"
    }

    /// `TimeZone`: whole hours when the offset is whole hours (Vietnam: `7`), otherwise minutes (`330`).
    public static func timeZone(_ utcOffset: Int) -> Int {
        utcOffset % 3600 == 0 ? utcOffset / 3600 : utcOffset / 60
    }

    /// `OK:<n>`: n rows are stored (say it only after they are).
    public static func accepted(_ n: Int) -> String { "OK:\(n)" }
}

/// Commands the server queues for a terminal, sent one per line as `C:<id>:<command>`.
public enum PushCommand {
    /// Command ids: 1–16 letters or digits.
    public static func isValidID(_ id: String) -> Bool {
        (1...16).contains(id.count) && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }

    public static func line(id: String, _ command: String) -> String { "C:\(id):\(command)" }

    /// Puts a person on a terminal. Names are written without diacritics when the terminal
    /// cannot show them, and cut to the terminal's limit on a character boundary.
    public static func updateUser(pin: String, name: String, card: String = "", ascii: Bool, limit: Int = 24) -> String {
        var shown = ascii ? Transliteration.ascii(name) : name
        shown = shown.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ")
        while shown.utf8.count > limit { shown.removeLast() }
        return "DATA UPDATE USERINFO PIN=\(pin)\tName=\(shown)\tPri=0\tPasswd=\tCard=\(card)\tGrp=1\tTZ=0000000000000000\tVerify=-1"
    }

    public static func deleteUser(pin: String) -> String { "DATA DELETE USERINFO PIN=\(pin)" }

    public static func queryAttLog(from: TerminalTime, to: TerminalTime) -> String {
        "DATA QUERY ATTLOG StartTime=\(from)\tEndTime=\(to)"
    }

    public static func countAttLog(from: TerminalTime, to: TerminalTime) -> String {
        "VERIFY SUM ATTLOG StartTime=\(from)\tEndTime=\(to)"
    }

    public static func message(_ text: String) -> String {
        "DATA UPDATE SMS MSG=\(Transliteration.ascii(text).replacingOccurrences(of: "\t", with: " "))\tTAG=253\tUID=1\tMIN=60\tStartTime=\(TerminalTime("2000-01-01 00:00:00")!)"
    }

    /// Commands that destroy data or hand over the device: never offered as one click.
    public static let destructive: Set<String> = ["CLEAR LOG", "CLEAR DATA", "CLEAR PHOTO", "SHELL", "UPGRADE"]
}

/// Vietnamese without its marks, for terminals that show only ASCII: "Nguyễn Văn Đức" → "Nguyen Van Duc".
public enum Transliteration {
    public static func ascii(_ text: String) -> String {
        let base = text.replacingOccurrences(of: "đ", with: "d").replacingOccurrences(of: "Đ", with: "D")
            .folding(options: [.diacriticInsensitive, .widthInsensitive], locale: nil)
        return String(String.UnicodeScalarView(base.unicodeScalars.filter { $0.isASCII && $0.value >= 0x20 }))
    }
}

/// The Security PUSH family's session: at registration the server hands the terminal a
/// `RegistryCode`; the configuration it then fetches from `/iclock/push` carries a `SessionID`;
/// from then on every request carries `Cookie: token=<MD5 of code, serial and session>`. MD5 is
/// the protocol's choice: the token is a shared secret on the wire, not a signature, which is
/// why the serial's address is pinned as well and HTTPS through a proxy is advised.
public enum SecurityPush {
    public static func token(registryCode: String, serial: String, sessionID: String) -> String {
        Insecure.MD5.hash(data: Data((registryCode + serial + sessionID).utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The `token` cookie of a request's `Cookie` header, if any.
    public static func token(cookieHeader: String?) -> String? {
        guard let header = cookieHeader else { return nil }
        for part in header.split(separator: ";") {
            let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if kv.count == 2, kv[0].lowercased() == "token" { return kv[1].lowercased() }
        }
        return nil
    }
}
