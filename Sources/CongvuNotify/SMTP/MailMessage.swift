import Foundation

/// An e-mail as it goes over SMTP (RFC 5322 with MIME): UTF-8 subject as encoded words, plain text
/// and HTML as alternatives, both base64 so that Vietnamese text and long lines pass every relay.
public enum MailMessage {
    public static func render(from: String, fromName: String, to: String, message: OutgoingMessage, messageIDDomain: String,
                              date: Date = Date(), boundary: String = "congvu-" + UUID().uuidString.lowercased()) -> String {
        var head: [String] = [
            "From: \(encodedWords(fromName)) <\(from)>",
            "To: <\(to)>",
            "Subject: \(encodedWords(message.subject))",
            "Date: \(rfc5322(date))",
            "Message-ID: <\(message.idempotencyKey)@\(messageIDDomain)>",
            "MIME-Version: 1.0",
            // Automatic mail: no out-of-office replies back to the server (RFC 3834).
            "Auto-Submitted: auto-generated",
        ]
        var body: [String] = []
        if let html = message.html {
            head.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
            body += ["--\(boundary)"] + part("text/plain", message.text) + ["--\(boundary)"] + part("text/html", html) + ["--\(boundary)--"]
        } else {
            let p = part("text/plain", message.text)
            head += p.prefix(2)
            body += p.dropFirst(3)
        }
        return (head + [""] + body).joined(separator: "\r\n") + "\r\n"
    }

    static func part(_ type: String, _ text: String) -> [String] {
        ["Content-Type: \(type); charset=UTF-8", "Content-Transfer-Encoding: base64", ""] + base64Lines(Data(text.utf8))
    }

    static func base64Lines(_ data: Data) -> [String] {
        let all = data.base64EncodedString()
        return stride(from: 0, to: all.count, by: 76).map { start in
            let from = all.index(all.startIndex, offsetBy: start)
            return String(all[from..<(all.index(from, offsetBy: 76, limitedBy: all.endIndex) ?? all.endIndex)])
        }
    }

    /// RFC 2047 encoded words of at most 75 characters each, never splitting a character; plain
    /// ASCII without specials is left as it is.
    static func encodedWords(_ text: String) -> String {
        let clean = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        if clean.allSatisfy({ $0.isASCII && $0 != "=" && $0 != "?" && $0 != "\"" }) && clean.count < 70 { return clean }
        var words: [String] = []
        var chunk = Data()
        for ch in clean {
            let bytes = Data(String(ch).utf8)
            // "=?UTF-8?B?" + base64 + "?=" is 12 + 4⌈n/3⌉ characters: at most 45 bytes fit in 75.
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=")
                chunk = Data()
            }
            chunk.append(bytes)
        }
        if !chunk.isEmpty || words.isEmpty { words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    static func rfc5322(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(secondsFromGMT: 7 * 3600)
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return f.string(from: date)
    }
}
