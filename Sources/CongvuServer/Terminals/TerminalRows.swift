import CongvuDomain
import CongvuStore
import CongvuTerminals
import Foundation

/// An upload's rows read the same way for a live request and for `congvu terminals reparse`.
enum TerminalRows {
    /// GB18030 (a superset of GB2312), as Foundation numbers it.
    static let gb18030 = String.Encoding(rawValue: 0x8000_0632)

    /// The body as text in the terminal's encoding; bytes that do not decode become U+FFFD.
    static func text(_ body: Data, encoding: String) -> String {
        if encoding == "gb2312", let s = String(data: body, encoding: gb18030) { return s }
        return PushText.decode(body)
    }

    /// The punches of an ATTLOG or rtlog upload, and how many lines could not be read (they stay in the journal).
    static func punches(table: String, body: Data, terminal: Terminal) -> (punches: [TerminalPunch], lines: Int, unreadable: Int) {
        let lines = PushText.lines(text(body, encoding: terminal.encoding))
        var out: [TerminalPunch] = []
        var unreadable = 0
        for line in lines {
            switch table {
            case "ATTLOG":
                guard let row = try? AttLogRow.parse(line) else { unreadable += 1; continue }
                out.append(TerminalPunch(pin: row.pin, at: row.time.instant(offsetSeconds: terminal.utcOffset), method: row.method,
                                         key: TerminalPunch.key(serial: terminal.serial, pin: row.pin, time: row.time)))
            default:
                let parsed: RealtimeLogRow?
                do { parsed = try RealtimeLogRow.parse(line) } catch { unreadable += 1; continue }
                guard let row = parsed else { continue }
                out.append(TerminalPunch(pin: row.pin, at: row.time.instant(offsetSeconds: terminal.utcOffset),
                                         method: row.verifyType == 15 ? .face : row.verifyType == 1 ? .fingerprint : .card,
                                         key: row.index.isEmpty ? TerminalPunch.key(serial: terminal.serial, pin: row.pin, time: row.time)
                                             : "zk:\(terminal.serial):idx:\(row.index)"))
            }
        }
        return (out, lines.count, unreadable)
    }

    /// The tamper alerts in an OPERLOG upload. Failed admin passwords raise one alert per day.
    static func alerts(operations body: Data, terminal: Terminal) -> (alerts: [NewTerminalAlert], lines: Int) {
        let lines = PushText.lines(text(body, encoding: terminal.encoding))
        var out: [NewTerminalAlert] = []
        for line in lines {
            guard case .operation(let code, let op, let time, let values)? = try? OperLogRow.parse(line), let kind = TamperCodes.alerts[code] else { continue }
            let at = time.instant(offsetSeconds: terminal.utcOffset)
            let dedupe = kind == .adminPasswordFailed ? "op:\(terminal.serial):\(code):\(time.day)" : "op:\(terminal.serial):\(code):\(time)"
            // The detail is the operation as the terminal logged it (code, operator, time, values): data, not prose.
            out.append(NewTerminalAlert(kind: kind, occurredAt: at, detail: (["OPLOG \(code)", op, time.description] + values).joined(separator: " "),
                                        dedupe: dedupe))
        }
        return (out, lines.count)
    }

    /// The PINs in a user upload (`USER PIN=…` rows of OPERLOG, or `PIN=…` rows of USERINFO):
    /// what the terminal says it holds.
    static func users(_ body: Data, terminal: Terminal) -> [String] {
        PushText.lines(text(body, encoding: terminal.encoding)).compactMap { line -> String? in
            let fields: [String: String]
            if case .user(let f)? = try? OperLogRow.parse(line) { fields = f } else { fields = PushText.fields(line) }
            guard let pin = fields["PIN"]?.trimmingCharacters(in: .whitespaces), AttLogRow.isPIN(pin) else { return nil }
            return pin
        }
    }

    /// What the journal keeps of a photo upload: the header, then a NUL and the hash of the image,
    /// which lives once in the photo store.
    static func photoJournalBody(header: Data, sha: String?) -> Data {
        header + Data([0]) + Data("sha256:\(sha ?? "none")".utf8)
    }

    /// A photo upload of either form: its header part (the text before the NUL, or nothing) and the photo.
    static func photo(_ push: PushRequest) throws -> (header: Data, photo: AttPhoto) {
        if push.endpoint == .fdata {
            return (Data(), try AttPhoto.parseFData(query: push.query, body: push.body))
        }
        let header = push.body.firstIndex(of: 0).map { Data(push.body[push.body.startIndex..<$0]) } ?? Data()
        let base64 = push.value("ATTPHOTOBase64") == "1" || push.value("base64") == "1"
        return (header, try AttPhoto.parseCData(push.body, base64: base64))
    }

    /// The photo's punch key and the hash in a journaled photo body (for a reparse).
    static func journaledPhoto(_ entry: JournalEntry, serial: String) -> (key: String, sha: String, time: TerminalTime)? {
        guard let nul = entry.body.firstIndex(of: 0) else { return nil }
        let tail = String(decoding: entry.body[entry.body.index(after: nul)...], as: UTF8.self)
        guard tail.hasPrefix("sha256:"), tail.count == 71 else { return nil }
        let push = PushRequest(method: entry.method, path: entry.path, rawQuery: entry.query, body: Data())
        var name = push.value("pin") ?? ""
        for line in PushText.lines(String(decoding: entry.body[entry.body.startIndex..<nul], as: UTF8.self)) {
            let kv = line.split(separator: "=", maxSplits: 1)
            if kv.count == 2, kv[0].trimmingCharacters(in: .whitespaces).uppercased() == "PIN" { name = String(kv[1]) }
        }
        let parsed = AttPhoto.parseName(name)
        guard let pin = parsed.pin, let time = parsed.time else { return nil }
        return (TerminalPunch.key(serial: serial, pin: pin, time: time), String(tail.dropFirst(7)), time)
    }
}
