import CongvuDomain
import CongvuStore
import CongvuTerminals
import Foundation
import Logging
import ServiceLifecycle

/// The fleet's jobs outside requests: the nightly reconciliation, photo retention, and the
/// rebuild of punches from the journal.
public struct TerminalHousekeeping: Sendable {
    let services: AppServices

    public init(services: AppServices) { self.services = services }

    /// Asks every approved terminal for its count of a day's punches (`VERIFY SUM ATTLOG`); a
    /// count above the server's raises an alert and re-queries the day. Returns how many were asked.
    @discardableResult
    public func reconcile(day: Day, now: Date = Date()) async throws -> Int {
        let commands = services.terminals.commands
        var asked = 0
        for t in try await services.terminals.terminals.list() where t.status == .approved && t.family == "2.x" {
            let label = day.vietnamese
            if try await commands.exists(kind: .countLog, label: label, terminalID: t.id) { continue }
            guard let from = TerminalTime("\(day) 00:00:00"), let to = TerminalTime("\(day) 23:59:59") else { continue }
            try await commands.enqueue([NewTerminalCommand(kind: .countLog, command: PushCommand.countAttLog(from: from, to: to), label: label)],
                                       terminalID: t.id, by: Actor(id: nil, name: "reconciliation"), now: now)
            asked += 1
        }
        return asked
    }

    /// Approved terminals silent for longer than `FleetRules.offlineAfter` between 07:00 and 17:30
    /// on their unit's working days (one switched off for the night or the weekend is not news):
    /// the office managing it hears of each outage once, its key being the last contact. Returns how many were raised.
    @discardableResult
    public func watchOffline(now: Date = Date()) async throws -> Int {
        let today = Day(now, in: CivilTime.vietnam)
        let minute = now.timeIntervalSince(CivilTime.startOfDay(today)) / 60
        guard minute >= 7 * 60, minute < 17 * 60 + 30 else { return 0 }
        var raised = 0
        for t in try await services.terminals.terminals.list()
        where t.status == .approved && now.timeIntervalSince(t.lastSeen) > FleetRules.offlineAfter {
            guard let unitID = t.unitID, let path = t.unitPath else { continue }
            let key = NotificationKey(.terminalOffline, recordType: "terminal", recordID: t.id, occasion: Instant.format(t.lastSeen))
            guard try await !services.shared.notifications.raised(key),
                  try await services.shared.workCalendar(unitID: unitID)?.isWorkingDay(today) ?? false else { continue }
            let draft = NotificationDraft(key: key, unitID: unitID, params: ["subject": t.location.isEmpty ? t.serial : "\(t.location) (\(t.serial))"],
                                          link: "/terminals/\(t.serial)")
            raised += try await services.database.write { sql in
                let people = Set(try await NotificationStore.nearest([.unitAdmin], over: [path], in: sql))
                try await NotificationStore.raise(draft, toPeople: Array(people), at: now, in: sql)
                return people.count
            }
        }
        return raised
    }

    /// The fleet's watch, every minute: terminals gone offline.
    var watch: NightlyJob {
        NightlyJob(name: "terminals offline") { now in "terminals offline raised \(try await watchOffline(now: now))" }
    }

    /// The fleet's part of the night: yesterday's reconciliation, photo retention, expired commands.
    var nightly: NightlyJob {
        NightlyJob(name: "terminals") { now in
            let asked = try await reconcile(day: Day(now, in: CivilTime.vietnam).previous, now: now)
            let pruned = try await prunePhotos(now: now)
            let expired = try await services.terminals.commands.expire(now: now)
            return "reconciliation \(asked), photos pruned \(pruned), commands expired \(expired)"
        }
    }

    /// Forgets photos older than the retention period.
    @discardableResult
    public func prunePhotos(now: Date = Date()) async throws -> Int {
        try await services.attendance.photos.prune(takenBefore: now.addingTimeInterval(-TimeInterval(services.config.punchPhotoDays) * 86400))
    }

    public struct Reparsed: Sendable, Equatable {
        public var entries = 0
        public var newPunches = 0
        public var photos = 0
    }

    /// Rebuilds punches (and photo links) from the journal: what a fixed parser reads in old
    /// uploads is added; what is already stored is not added twice.
    public func reparse(serial: String? = nil, progress: (@Sendable (Int64) -> Void)? = nil) async throws -> Reparsed {
        let store = services.terminals.terminals
        var terminals: [String: Terminal] = [:]
        var out = Reparsed()
        var next: Int64 = 1
        while true {
            let page = try await store.journalPage(from: next)
            guard let last = page.last else { break }
            next = last.seq + 1
            for entry in page where entry.method == "POST" && entry.reply.hasPrefix("OK") && (serial == nil || entry.serial == serial) {
                let push = PushRequest(method: entry.method, path: entry.path, rawQuery: entry.query, body: entry.body)
                let hikvision = entry.path.hasPrefix("/hikvision/")
                let table = hikvision ? "HIKVISION" : push.endpoint == .fdata ? "ATTPHOTO" : (push.table ?? "")
                guard ["ATTLOG", "RTLOG", "ATTPHOTO", "HIKVISION"].contains(table) else { continue }
                if terminals[entry.serial] == nil { terminals[entry.serial] = try await store.get(serial: entry.serial) }
                guard let terminal = terminals[entry.serial], let received = Instant.parse(entry.receivedAt) else { continue }
                out.entries += 1
                // A photo is linked again only while its file is kept (retention may have removed it).
                func link(_ key: String, _ sha: String, _ takenAt: Date) async throws {
                    guard services.attendance.photos.has(sha: sha) else { return }
                    if try await services.attendance.photos.link(key: key, sha: sha, terminalID: terminal.id, takenAt: takenAt, now: received) { out.photos += 1 }
                }
                if table == "HIKVISION" {
                    guard let (event, sha) = HikvisionController.journaled(entry) else { continue }
                    let punch = TerminalPunch(pin: event.employee, at: event.at, method: event.method, key: HikvisionController.key(event))
                    out.newPunches += try await store.ingest([punch], terminal: terminal, journal: nil, now: received).new
                    if let sha { try await link(punch.key, sha, event.at) }
                } else if table == "ATTPHOTO" {
                    guard let photo = TerminalRows.journaledPhoto(entry, serial: terminal.serial) else { continue }
                    try await link(photo.key, photo.sha, photo.time.instant(offsetSeconds: terminal.utcOffset))
                } else {
                    let rows = TerminalRows.punches(table: table, body: entry.body, terminal: terminal)
                    out.newPunches += try await store.ingest(rows.punches, terminal: terminal, journal: nil, now: received).new
                }
            }
            progress?(last.seq)
        }
        return out
    }
}
