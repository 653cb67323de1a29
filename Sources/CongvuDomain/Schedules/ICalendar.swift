import Foundation

/// The one iCalendar writer (RFC 5545): schedule entries for phone calendars (a stable UID and a
/// SEQUENCE raised by each change, times on the Vietnamese clock with a VTIMEZONE for
/// Asia/Ho_Chi_Minh, UTC+7 all year, CANCELLED for entries called off) and all-day events (the
/// working calendar's special days); lines folded at 75 octets without splitting a character, text
/// escaped.
public enum ICalendar {
    public struct Event: Equatable, Sendable {
        public var uid: String
        public var sequence: Int
        public var day: Day
        /// Nil for an all-day event (which then takes no time: TRANSP:TRANSPARENT).
        public var start: ClockTime?
        public var end: ClockTime?
        public var summary: String
        public var location: String
        public var description: String
        public var url: String
        public var cancelled: Bool
        public var lastModified: Date

        public init(uid: String, sequence: Int = 0, day: Day, start: ClockTime?, end: ClockTime?, summary: String, location: String = "",
                    description: String = "", url: String = "", cancelled: Bool = false, lastModified: Date) {
            self.uid = uid
            self.sequence = sequence
            self.day = day
            self.start = start
            self.end = end
            self.summary = summary
            self.location = location
            self.description = description
            self.url = url
            self.cancelled = cancelled
            self.lastModified = lastModified
        }
    }

    public static let zone = "Asia/Ho_Chi_Minh"

    /// The whole feed as text with CRLF line ends.
    public static func feed(name: String, events: [Event], stamp: Date) -> String {
        var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Congvu//Lich cong tac//VI", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
                     "X-WR-CALNAME:" + escape(name), "X-WR-TIMEZONE:" + zone,
                     "BEGIN:VTIMEZONE", "TZID:" + zone, "BEGIN:STANDARD", "DTSTART:19700101T000000", "TZOFFSETFROM:+0700", "TZOFFSETTO:+0700",
                     "TZNAME:+07", "END:STANDARD", "END:VTIMEZONE"]
        for e in events {
            lines += ["BEGIN:VEVENT", "UID:" + escape(e.uid), "DTSTAMP:" + utc(stamp), "LAST-MODIFIED:" + utc(e.lastModified), "SEQUENCE:" + String(e.sequence)]
            if let start = e.start, let end = e.end {
                lines += ["DTSTART;TZID=\(zone):" + local(e.day, start), "DTEND;TZID=\(zone):" + local(e.day, end)]
            } else {
                lines += ["DTSTART;VALUE=DATE:" + date(e.day), "DTEND;VALUE=DATE:" + date(e.day.next), "TRANSP:TRANSPARENT"]
            }
            lines += ["SUMMARY:" + escape(e.summary), "STATUS:" + (e.cancelled ? "CANCELLED" : "CONFIRMED")]
            if !e.location.isEmpty { lines.append("LOCATION:" + escape(e.location)) }
            if !e.description.isEmpty { lines.append("DESCRIPTION:" + escape(e.description)) }
            if !e.url.isEmpty { lines.append("URL:" + e.url) }
            lines.append("END:VEVENT")
        }
        lines.append("END:VCALENDAR")
        return lines.map(fold).joined(separator: "\r\n") + "\r\n"
    }

    /// TEXT values: backslash, semicolon, comma and line breaks escaped.
    public static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\n", "\r\n": out += "\\n"
            case "\r": continue
            default: out.append(c)
            }
        }
        return out
    }

    /// A content line of more than 75 octets broken into lines of at most 75 (the continuations
    /// start with a space, which counts), never inside a UTF-8 character.
    public static func fold(_ line: String) -> String {
        var out = "", width = 0, limit = 75
        for scalar in line.unicodeScalars {
            let size = String(scalar).utf8.count
            if width + size > limit {
                out += "\r\n "
                width = 1
                limit = 75
            }
            out.unicodeScalars.append(scalar)
            width += size
        }
        return out
    }

    static func utc(_ date: Date) -> String {
        let c = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date)
        return Digits.pad(c.year!, 4) + Digits.pad(c.month!, 2) + Digits.pad(c.day!, 2) + "T" + Digits.pad(c.hour!, 2) + Digits.pad(c.minute!, 2)
            + Digits.pad(c.second!, 2) + "Z"
    }

    static func date(_ day: Day) -> String { Digits.pad(day.year, 4) + Digits.pad(day.month, 2) + Digits.pad(day.day, 2) }

    static func local(_ day: Day, _ time: ClockTime) -> String {
        date(day) + "T" + Digits.pad(time.minutes / 60, 2) + Digits.pad(time.minutes % 60, 2) + "00"
    }
}
