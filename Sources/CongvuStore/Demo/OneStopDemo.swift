import CongvuDomain
import Foundation
import SQLKit

/// Realistic one-stop data: a catalogue of common commune procedures, and dossiers generated day
/// by day with their due dates from the calendar, most returned early or on time, a few late
/// (with an apology), some paused for a supplement, some withdrawn, the recent ones still open.
/// Used by the demo, the report tests and the benchmark (which skips the events).
public enum OneStopDemo {
    static let applicantsFamily = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
    static let applicantsGiven = ["Văn An", "Thị Bình", "Văn Cường", "Thị Dung", "Đức Em", "Thị Giang", "Văn Hải", "Thị Hoa", "Minh Khôi", "Thị Lan"]

    /// The demo catalogue: (code, name, field, time, online level, fee, documents).
    public static let catalogue: [Procedure] = {
        func p(_ code: String, _ name: String, _ field: String, _ time: ProcessingTime, _ online: OnlineLevel, fee: Int = 0,
               docs: [(String, DocumentForm)], posted: Bool = true) -> Procedure {
            Procedure(code: code, name: name, field: field, level: .commune, time: time, onlineLevel: online, fee: fee,
                      documents: docs.map { DocumentItem(name: $0.0, form: $0.1) }, result: "Giấy tờ theo quy định",
                      legalBasis: "Luật Hộ tịch 2014; Nghị định 118/2025/NĐ-CP", validFrom: Day("2025-07-01")!,
                      steps: [WorkflowStep(name: "Tiếp nhận", time: ProcessingTime(4, .workingHours)),
                              WorkflowStep(name: "Thẩm định", time: ProcessingTime(max(1, time.value / 2), time.unit == .workingDays ? .workingDays : .workingHours)),
                              WorkflowStep(name: "Ký duyệt", time: ProcessingTime(4, .workingHours))],
                      postedAtCounter: posted, postedOnPortal: posted)
        }
        return [
            p("1.001193", "Đăng ký khai sinh", "Hộ tịch", ProcessingTime(0, .sameDay), .full, docs: [("Tờ khai đăng ký khai sinh", .original), ("Giấy chứng sinh", .original)]),
            p("1.000656", "Đăng ký khai tử", "Hộ tịch", ProcessingTime(0, .sameDay), .full, docs: [("Tờ khai đăng ký khai tử", .original), ("Giấy báo tử", .original)]),
            p("1.000894", "Đăng ký kết hôn", "Hộ tịch", ProcessingTime(3, .workingDays), .partial, docs: [("Tờ khai đăng ký kết hôn", .original)]),
            p("1.004746", "Cấp bản sao trích lục hộ tịch", "Hộ tịch", ProcessingTime(8, .workingHours), .full, fee: 8000, docs: [("Tờ khai cấp bản sao", .original)]),
            p("2.000908", "Chứng thực bản sao từ bản chính", "Chứng thực", ProcessingTime(0, .sameDay), .partial, fee: 2000, docs: [("Bản chính giấy tờ", .original), ("Bản sao cần chứng thực", .copy)]),
            p("2.000815", "Chứng thực chữ ký trong giấy tờ, văn bản", "Chứng thực", ProcessingTime(0, .sameDay), .information, fee: 10000, docs: [("Giấy tờ cần chứng thực chữ ký", .original)]),
            p("2.001035", "Chứng thực hợp đồng, giao dịch", "Chứng thực", ProcessingTime(2, .workingDays), .information, fee: 50000, docs: [("Dự thảo hợp đồng", .original), ("Giấy tờ tùy thân", .copy)]),
            p("1.003554", "Xác nhận tình trạng hôn nhân", "Hộ tịch", ProcessingTime(3, .workingDays), .full, docs: [("Tờ khai cấp giấy xác nhận", .original)]),
            p("1.001612", "Thủ tục xét tặng danh hiệu Gia đình văn hóa", "Văn hóa", ProcessingTime(15, .workingDays), .partial, docs: [("Đơn đề nghị", .original)], posted: false),
            p("1.004946", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Xây dựng", ProcessingTime(15, .calendarDays), .partial, fee: 75000, docs: [("Đơn đề nghị cấp phép", .original), ("Bản vẽ thiết kế", .copy), ("Giấy chứng nhận quyền sử dụng đất", .certifiedCopy)]),
            p("1.003040", "Đăng ký biến động đất đai", "Đất đai", ProcessingTime(10, .workingDays), .partial, fee: 30000, docs: [("Đơn đăng ký biến động", .original), ("Giấy chứng nhận", .original)]),
            p("1.001776", "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội", "Bảo trợ xã hội", ProcessingTime(5, .workingDays), .full, docs: [("Tờ khai đề nghị hỗ trợ", .original), ("Giấy chứng tử", .copy)]),
            p("1.001758", "Trợ cấp xã hội hằng tháng", "Bảo trợ xã hội", ProcessingTime(10, .workingDays), .partial, docs: [("Tờ khai thông tin", .original)], posted: false),
            p("2.002163", "Đăng ký thường trú", "Cư trú", ProcessingTime(7, .workingDays), .full, docs: [("Tờ khai thay đổi thông tin cư trú", .original)]),
        ]
    }()

    /// Bulk-generates dossiers for every working day in a range, for each counter unit. Returns how many.
    public static func generate(_ db: Database, counters: [Int64], procedures: [Procedure], from: Day, through: Day, perDay: Int,
                                calendar: WorkCalendar, seed: UInt64, now: Date? = nil, events: Bool = false) async throws -> Int {
        let end = now ?? CivilTime.startOfDay(through.next)
        let rules = OneStopRules(validFrom: from)
        var g = SeededGenerator(seed: seed)
        let agencies = try await db.read { sql in
            try await sql.select().column("unit_id").column("agency_code").from("one_stop_counters").all().reduce(into: [Int64: String]()) {
                $0[try $1.decode(column: "unit_id", as: Int64.self)] = try $1.decode(column: "agency_code", as: String.self)
            }
        }
        var made = 0
        var batch: [Dossier] = []
        var sequences: [DossierCode.Series: Int] = [:]
        for day in from.through(through) where calendar.isWorkingDay(day) {
            let sessions = calendar.sessions(on: day)
            for unit in counters {
                guard let agency = agencies[unit] else { continue }
                let count = max(0, perDay + Int.random(in: -(perDay / 2)...(perDay / 2), using: &g))
                for _ in 0..<count {
                    let session = sessions.randomElement(using: &g)!
                    let minute = Int.random(in: session.start.minutes..<session.end.minutes, using: &g)
                    let received = CivilTime.startOfDay(day).addingTimeInterval(TimeInterval(minute * 60 + Int.random(in: 0..<60, using: &g)))
                    guard received < end else { continue }
                    let p = procedures.randomElement(using: &g)!
                    let due = try Deadlines.due(p.time, receivedAt: received, calendar: calendar, rules: rules)
                    let key = DossierCode.Series(agency: agency, day: day)
                    sequences[key, default: 0] += 1
                    let channel: Channel = Int.random(in: 0..<100, using: &g) < 45 ? .online : (Int.random(in: 0..<10, using: &g) == 0 ? .postal : .direct)
                    let name = "\(applicantsFamily.randomElement(using: &g)!) \(applicantsGiven.randomElement(using: &g)!)"
                    var d = Dossier(id: 0, code: DossierCode.make(agency: agency, day: day, sequence: sequences[key]!), procedureID: p.id, unitID: unit,
                                    currentUnitID: unit, field: p.field, channel: channel, status: .processing,
                                    applicant: Applicant(name: name, idNumber: "0402" + Digits.pad(Int.random(in: 0..<100_000_000, using: &g), 8),
                                                         phone: "09" + Digits.pad(Int.random(in: 0..<100_000_000, using: &g), 8)),
                                    documents: p.documents, submittedAt: received, receivedAt: received, legalDueAt: due, dueAt: due,
                                    hourBased: p.time.isHourBased)
                    // The outcome: most early or on time, 3 % late, 2 % withdrawn.
                    let roll = Int.random(in: 0..<100, using: &g)
                    let span = max(due.timeIntervalSince(received), 3600)
                    var resolved: Date
                    if roll < 3 {
                        resolved = due.addingTimeInterval(TimeInterval(Int.random(in: 1...4, using: &g)) * 86400)
                    } else {
                        resolved = received.addingTimeInterval(span * Double.random(in: 0.3...1.0, using: &g))
                    }
                    resolved = try calendar.nextSessionStart(from: resolved)
                    if roll >= 3 && resolved > due { resolved = due }
                    if roll >= 98 {
                        d.status = .withdrawn
                        d.closedDay = Day(resolved, in: CivilTime.vietnam)
                    } else if resolved <= end {
                        d.status = resolved.addingTimeInterval(2 * 86400) < end ? .delivered : .resultReady
                        d.resolvedAt = resolved
                        d.closedDay = Day(resolved, in: CivilTime.vietnam)
                        d.timeliness = Timeliness.of(resolvedAt: resolved, dueAt: due, hourBased: d.hourBased)
                        if d.status == .delivered { d.deliveredAt = resolved.addingTimeInterval(86400) }
                    } else if roll % 7 == 0 {
                        d.status = .supplementRequested
                    }
                    if roll < 3 {
                        // The late ones were apologised for, a day before the due date.
                        d.apologyAt = due.addingTimeInterval(-86400)
                        d.promisedAt = resolved
                        d.apologyReason = "Cần xác minh thêm thông tin với cơ quan liên quan"
                    }
                    batch.append(d)
                    if batch.count == 400 {
                        try await write(batch, events: events, db)
                        made += batch.count
                        batch.removeAll(keepingCapacity: true)
                    }
                }
            }
        }
        try await write(batch, events: events, db)
        made += batch.count
        let last = sequences
        try await db.write { sql in try await DossierStore.raiseSequences(last, sql) }
        return made
    }

    static let officer = Actor(id: nil, name: "Bộ phận một cửa")

    static func write(_ batch: [Dossier], events: Bool, _ db: Database) async throws {
        guard !batch.isEmpty else { return }
        try await db.write { sql in
            try await DossierStore.insertAll(batch, sql)
            guard events else { return }
            let ids = try await sql.select().column("id").column("code").from("dossiers").where("code", .in, batch.map(\.code)).all()
                .reduce(into: [String: Int64]()) { $0[try $1.decode(column: "code", as: String.self)] = try $1.decode(column: "id", as: Int64.self) }
            // The events each dossier would have had, one statement per batch.
            var rows: [[any SQLExpression]] = []
            var pauses = sql.insert(into: "dossier_pauses").columns("dossier_id", "status", "from_at")
            var anyPause = false
            for d in batch {
                guard let id = ids[d.code], let received = d.receivedAt else { continue }
                var last = DossierStatus.accepted
                rows.append(DossierStore.eventValues(id, at: received, actor: officer, action: DossierAction.accept.rawValue, from: nil, to: .accepted,
                                                     toUnit: d.unitID, step: "Tiếp nhận"))
                let handed = received.addingTimeInterval(1800)
                if d.resolvedAt.map({ $0 > handed }) ?? true {
                    rows.append(DossierStore.eventValues(id, at: handed, actor: officer, action: DossierAction.transfer.rawValue, from: last,
                                                         to: .processing, fromUnit: d.unitID, toUnit: d.unitID, step: "Thẩm định", stepDue: d.dueAt,
                                                         stepTimeliness: .onTime))
                    last = .processing
                }
                if let apology = d.apologyAt {
                    rows.append(DossierStore.eventValues(id, at: apology, actor: officer, action: DossierAction.apologise.rawValue, from: last, to: last,
                                                         note: d.apologyReason))
                }
                if d.status == .supplementRequested {
                    let asked = handed.addingTimeInterval(3600)
                    rows.append(DossierStore.eventValues(id, at: asked, actor: officer, action: DossierAction.requestSupplement.rawValue, from: last,
                                                         to: .supplementRequested, note: "Bổ sung bản sao giấy tờ tùy thân"))
                    pauses = pauses.values(SQLBind(id), SQLBind(DossierStatus.supplementRequested.rawValue), SQLBind(Instant.format(asked)))
                    anyPause = true
                }
                if let resolved = d.resolvedAt {
                    rows.append(DossierStore.eventValues(id, at: resolved, actor: officer, action: DossierAction.resultReady.rawValue, from: last,
                                                         to: .resultReady))
                }
                if let delivered = d.deliveredAt {
                    rows.append(DossierStore.eventValues(id, at: delivered, actor: officer, action: DossierAction.deliver.rawValue, from: .resultReady,
                                                         to: .delivered))
                }
                if d.status == .withdrawn, let closed = d.closedDay {
                    rows.append(DossierStore.eventValues(id, at: CivilTime.startOfDay(closed).addingTimeInterval(9 * 3600), actor: officer,
                                                         action: DossierAction.withdraw.rawValue, from: last, to: .withdrawn, note: "Công dân rút hồ sơ"))
                }
            }
            try await DossierStore.insertEvents(rows, sql)
            if anyPause { try await pauses.run() }
        }
    }

    /// The demo's one-stop data: the catalogue, a counter at each commune's service centre and a
    /// year of dossiers up to `now`, with events, ratings on a share of them.
    public static func load(into db: Database, days: Int = 365, now: Date = Date()) async throws {
        let actor = Actor(id: nil, name: "demo")
        let procedures = ProcedureStore(database: db)
        var stored: [Procedure] = []
        for p in catalogue { stored.append(try await procedures.create(p, by: actor)) }
        let units = UnitStore(database: db)
        let store = DossierStore(database: db)
        var centres: [OrgUnit] = []
        // Where each counter sits (illustrative addresses, printed under the issuer on every form).
        for (i, (code, address, phone)) in [("14551", "Thôn Trung, xã Gia Hưng, tỉnh Ninh Bình", "0229 3865 101"),
                                            ("14554", "Thôn Đông, xã Gia Vân, tỉnh Ninh Bình", "0229 3865 202"),
                                            ("14557", "Phố Tân Nhất, xã Nho Quan, tỉnh Ninh Bình", "0229 3866 303")].enumerated() {
            guard let centre = try await units.byCode("\(code)-TTHCC") else { continue }
            try await store.setCounter(OneStopCounter(unitID: centre.id, agencyCode: "000.0\(i + 1).37.H40", address: address, phone: phone), by: actor)
            centres.append(centre)
        }
        guard let first = centres.first else { return }
        let today = Day(now, in: CivilTime.vietnam)
        let calendar = try await CalendarStore(database: db).workCalendar(for: first, years: (today.year - 1)...(today.year + 1))
        let start = LunarCalendar.day(julianDay: LunarCalendar.julianDay(today) - days)!
        _ = try await generate(db, counters: centres.map(\.id), procedures: stored, from: start, through: today, perDay: 12,
                               calendar: calendar, seed: 2025, now: now, events: true)
        // Ratings on a fifth of the dossiers, mostly satisfied.
        try await db.write { sql in
            let rows = try await sql.select().column("id").column("unit_id").column("submitted_at").from("dossiers").where("channel", .equal, 1).all()
            var g = SeededGenerator(seed: 9)
            var insert = sql.insert(into: "dossier_ratings").columns("dossier_id", "unit_id", "rated_at", "satisfaction", "comment", "scores", "total")
            var any = false
            for r in rows where Int.random(in: 0..<5, using: &g) == 0 {
                let roll = Int.random(in: 0..<100, using: &g)
                let satisfaction: Satisfaction = roll < 70 ? .verySatisfied : roll < 95 ? .satisfied : .notSatisfied
                let scores = try EvaluationScores(Dictionary(uniqueKeysWithValues: EvaluationIndicator.allCases.map {
                    ($0, roll < 95 ? Int.random(in: 1...2, using: &g) : Int.random(in: 0...1, using: &g))
                }))
                let at = try r.instant("submitted_at").addingTimeInterval(600)
                insert = insert.values(SQLBind(try r.decode(column: "id", as: Int64.self)), SQLBind(try r.decode(column: "unit_id", as: Int64.self)),
                                       SQLBind(Instant.format(at)), SQLBind(satisfaction.rawValue),
                                       SQLBind(satisfaction == .notSatisfied ? "Phải chờ lâu" : ""), SQLBind(DossierStore.json(scores)),
                                       SQLBind(scores.total))
                any = true
            }
            if any { try await insert.run() }
        }
    }
}
