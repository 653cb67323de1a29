import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The live board for leaders (who is in, not yet arrived, late, out on a notice, on leave),
/// updated through server-sent events, and the public door board for a screen at the entrance:
/// names, titles and notices only.
struct BoardController {
    let attendance: AttendanceServices
    var catalogs: Catalogs { attendance.views.catalogs }
    var builder: BoardBuilder { BoardBuilder(attendance: attendance) }

    /// An event stream ends after this long; the browser reconnects by itself (and so never
    /// holds up a shutdown for long).
    static let streamLifetime: Duration = .seconds(300)

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get(use: page)
        group.get("events", use: events)
        group.get("data", use: data)
    }

    func addPublicRoutes(to router: Router<AppRequestContext>) {
        router.get("door/:code", use: door)
    }

    func unit(_ request: Request, _ context: AppRequestContext) async throws -> (OrgUnit, [Option]) {
        try await attendance.unitSelection(request, context)
    }

    /// The unit alone, without the picker's list: the data and the event stream are asked for often.
    func boardUnit(_ request: Request, _ context: AppRequestContext) async throws -> OrgUnit {
        try await attendance.selectedUnit(request, context)
    }

    func page(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, units) = try await self.unit(request, context)
        let snapshot = try await builder.cached(unit: unit, locale: context.locale, stale: true).snapshot
        return try attendance.views.page(BoardPage(unit: .init(id: unit.id, name: unit.name), units: units,
                                                 board: Self.view(snapshot), door: Template.optional(unit.code)), context)
    }

    static func view(_ s: BoardSnapshot) -> BoardPage.Board {
        .init(at: s.at, counts: s.counts,
              people: s.people.map { .init(id: $0.id, name: $0.name, title: $0.title, state: $0.state, label: $0.label,
                                           detail: Template.optional($0.detail), day: s.day, photo: $0.photo) })
    }

    func data(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let unit = try await boardUnit(request, context)
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: try await builder.cached(unit: unit, locale: context.locale, stale: true).json)))
    }

    /// Server-sent events: the board now, then again after every change in the unit's subtree,
    /// with a comment every 15 s to keep proxies open and notice a closed connection.
    /// `limit` ends the stream after that many boards (for tests and scripts).
    func events(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let unit = try await boardUnit(request, context)
        let limit = request.uri.queryParameters["limit"].flatMap { Int($0) } ?? Int.max
        let locale = context.locale
        let builder = self.builder
        let events = attendance.events
        let (stream, cancel) = events.subscribe(path: unit.path)
        let body = ResponseBody { writer in
            defer { cancel() }
            try await writer.write(ByteBuffer(string: "retry: 3000\n\n"))
            try await Self.stream(signals: stream, generation: { events.generation }, limit: limit,
                                  board: { try await builder.cached(unit: unit, locale: locale).event },
                                  write: { try await writer.write($0) })
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
    }

    /// Boards a stream sends at most this often: several punches in a row (a queue at the kiosk)
    /// make one update, while a punch after a quiet spell is shown at once.
    static let gather: Duration = .milliseconds(150)

    /// Writes the board now, then after every change heard on `signals` (a ping keeps the
    /// connection open), until `limit` boards, `lifetime`, or the end of `signals`. A change heard
    /// within `gather` of the last board waits out the rest of it, so changes in a row make one
    /// board; a change of a generation no newer than `generation()` when the last board was asked
    /// for is in it and makes none.
    static func stream<C: Clock>(signals: AsyncStream<AttendanceEvents.Signal>, generation: () -> Int, limit: Int = .max,
                                 lifetime: Duration = streamLifetime, gather: Duration = gather, clock: C = ContinuousClock(),
                                 board: () async throws -> ByteBuffer, write: (ByteBuffer) async throws -> Void) async throws
    where C.Duration == Duration {
        let deadline = clock.now.advanced(by: lifetime)
        var sent = 0
        var signals = signals.makeAsyncIterator()
        repeat {
            let shown = generation()
            try await write(try await board())
            let last = clock.now
            sent += 1
            if sent >= limit { break }
            var changed = false
            while let signal = await signals.next() {
                if clock.now > deadline { break }
                switch signal {
                case .change(let made): changed = made > shown
                case .ping: try await write(ByteBuffer(string: ": ping\n\n"))
                }
                if changed { break }
            }
            guard changed else { break }
            try await clock.sleep(until: last.advanced(by: gather), tolerance: nil)
        } while clock.now < deadline
    }

    /// The notice on the office door, for everyone: who works here and who is out, where and until when.
    func door(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let code = context.parameters.get("code"), let unit = try await attendance.units.byCode(code), unit.isActive(on: attendance.today) else {
            throw StoreError.notFound("unit")
        }
        let snapshot = try await builder.cached(unit: unit, locale: context.locale, stale: true).snapshot
        let leaders = try await leadersNow(unit, known: Dictionary(snapshot.people.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a }))
        return try attendance.views.page(DoorPage(
            unit: unit.name, at: snapshot.at, day: attendance.today.vietnamese, leaders: leaders, has_leaders: !leaders.isEmpty,
            people: snapshot.people.sorted { $0.name < $1.name }.map { e in
                // Names, titles and notices only: no arrival times, no lateness, no kind of leave.
                let away = e.state == Presence.State.onNotice.rawValue || e.state == Presence.State.onLeave.rawValue
                let notice = e.state == Presence.State.onLeave.rawValue ? catalogs.text("door_on_leave", context.locale) : e.notice ?? ""
                return DoorPage.Person(name: e.name, title: e.title, away: away, notice: Template.optional(away ? notice : ""),
                                       until: away ? (e.until ?? "") : "")
            }), context)
    }
}

extension BoardController {
    /// Where each leader is by the unit's published schedule: the entry they are in now, else
    /// their next one today (the door board's first lines; drafts never show). Names come from the
    /// board's own snapshot (`known`); only a chair posted elsewhere is looked up.
    func leadersNow(_ unit: OrgUnit, known: [Int64: String], now: Date = Date()) async throws -> [DoorPage.Leader] {
        let today = Day(now, in: CivilTime.vietnam)
        let entries = try await ScheduleStore(database: attendance.database).week(unitID: unit.id, week: DutyWeek(containing: today), publicOnly: true)
            .filter { $0.day == today && $0.status == .published && $0.chairID != nil && $0.to > now }
        var out: [DoorPage.Leader] = []
        for chair in Array(Set(entries.compactMap(\.chairID))).sorted() {
            var name = known[chair]
            if name == nil { name = try await attendance.people.get(chair)?.person.fullName }
            guard let name else { continue }
            let mine = entries.filter { $0.chairID == chair }
            let current = mine.first { $0.from <= now }
            guard let e = current ?? mine.first else { continue }
            out.append(.init(name: name, now: current != nil, time: "\(e.start)–\(e.end)", content: e.content, place: Template.optional(e.place)))
        }
        return out
    }
}

struct BoardPage: Page {
    static let template = "board"
    struct Board: Decodable {
        struct Person: Decodable {
            var id: Int64
            var name: String
            var title: String
            var state: String
            var label: String
            var detail: String?
            var day: String
            var photo: String?
        }
        var at: String
        var counts: [BoardSnapshot.Count]
        var people: [Person]
    }
    var unit: UnitRef
    var units: [Option]
    var board: Board
    var door: String?
}

/// The public door board: names, titles and notices only.
struct DoorPage: Page {
    static let template = "door"
    struct Person: Decodable { var name: String; var title: String; var away: Bool; var notice: String?; var until: String }
    /// A leader's current (or next) published schedule entry today.
    struct Leader: Decodable { var name: String; var now: Bool; var time: String; var content: String; var place: String? }
    var unit: String
    var at: String
    var day: String
    var leaders: [Leader]
    var has_leaders: Bool
    var people: [Person]
}
