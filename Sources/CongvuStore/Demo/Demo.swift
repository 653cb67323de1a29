import CongvuDomain
import CongvuTerminals
import Foundation
import SQLKit

/// A realistic demo: one province after the July 2025 reorganisation, three new communes, the
/// abolished districts and former communes kept as history with successor links, about 60
/// staff per commune with Vietnamese names, titles and categories, and an account per role.
///
/// Names and codes are illustrative; generated with a fixed seed, so every demo is the same.
public enum Demo {
    public static let password = "congvu-demo"

    public struct DemoAccount: Sendable {
        public var username: String
        public var password: String
        public var role: Role
        public var unit: String

        public init(username: String, password: String, role: Role, unit: String) {
            self.username = username
            self.password = password
            self.role = role
            self.unit = unit
        }
    }

    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state
        }
    }

    static let families = ["Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Trần", "Lê", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Đinh", "Lương", "Trịnh", "Hà", "Tạ"]
    static let maleMiddle = ["Văn", "Văn", "Đức", "Hữu", "Minh", "Quang", "Xuân", "Thanh", "Công", "Duy"]
    static let femaleMiddle = ["Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Phương", "Hồng", "Kim"]
    static let maleGiven = ["Hùng", "Dũng", "Tuấn", "Sơn", "Nam", "Long", "Cường", "Hải", "Phong", "Quân", "Thắng", "Trung", "Việt", "Đạt", "Khánh", "Tùng", "Bình", "Hiếu", "Lâm", "Thành"]
    static let femaleGiven = ["Hương", "Lan", "Hoa", "Mai", "Hà", "Linh", "Trang", "Thảo", "Nga", "Yến", "Hạnh", "Huyền", "Phượng", "Ánh", "Thủy", "Loan", "Nhung", "Oanh", "Vân", "Giang"]

    struct CommunePlan {
        var name: String
        var code: String
        var accountKey: String
        var formerDistrict: Int
        var formers: [(String, String)]
    }

    static let communes = [
        CommunePlan(name: "Xã Gia Hưng", code: "14551", accountKey: "giahung", formerDistrict: 0,
                    formers: [("Xã Gia Hưng", "14530"), ("Xã Liên Sơn", "14533"), ("Xã Gia Phú", "14536")]),
        CommunePlan(name: "Xã Gia Vân", code: "14554", accountKey: "giavan", formerDistrict: 0,
                    formers: [("Xã Gia Vân", "14539"), ("Xã Gia Thịnh", "14542"), ("Xã Gia Tân", "14545")]),
        CommunePlan(name: "Xã Nho Quan", code: "14557", accountKey: "nhoquan", formerDistrict: 1,
                    formers: [("Thị trấn Nho Quan", "14470"), ("Xã Đồng Phong", "14473"), ("Xã Lạng Phong", "14476")]),
    ]

    /// Loads the demo into an empty database and returns the accounts with their password.
    /// `passwordHash` is the bcrypt hash of `Demo.password`.
    /// `oneStopDays` is how far back the one-stop dossiers go (a year; tests ask for less).
    public static func load(into database: Database, passwordHash: String, oneStopDays: Int = 365) async throws -> [DemoAccount] {
        let dbKind = database.kind
        let actor = Actor(id: nil, name: "demo")
        let accounts = try await database.write { sql in
            var rng = Seeded(state: 20250701)
            func unit(_ parent: OrgUnit?, _ kind: UnitKind, _ code: String, _ name: String, from: String? = nil, to: String? = nil) async throws -> OrgUnit {
                try await UnitStore.insert(.init(parentID: parent?.id, kind: kind, code: code, name: name,
                                                 validFrom: from.flatMap { Day($0) }, validTo: to.flatMap { Day($0) }),
                                           in: sql, kind: dbKind, by: actor, reason: "demo")
            }
            let province = try await unit(nil, .province, "37", "Tỉnh Ninh Bình")
            // The demo's hours are Nghệ An's (summer and winter), set once at the province.
            try await sql.insert(into: "office_hours").columns("unit_id", "valid_from", "seasons", "created_at")
                .values(SQLBind(province.id), SQLBind("2025-01-01"), SQLBind(OfficeHours.ngheAn.text), SQLBind(Instant.now())).run()
            for year in 2025...2027 {
                for day in HolidayRules.proposals(year: year) {
                    _ = try await CalendarStore.insert(day, unitID: nil, in: sql, kind: dbKind, by: actor, reason: "demo")
                }
            }
            let districts = [try await unit(province, .district, "377", "Huyện Gia Viễn", to: "2025-06-30"),
                             try await unit(province, .district, "369", "Huyện Nho Quan", to: "2025-06-30")]
            var accounts: [DemoAccount] = []
            var users: [(String, Int64?, Role, Int64, String)] = [("admin", nil, .systemAdmin, province.id, province.name),
                                                                  ("thanhtra", nil, .inspector, province.id, province.name)]
            var usedCards = Set<String>()
            for (ci, plan) in communes.enumerated() {
                let commune = try await unit(province, .commune, plan.code, plan.name, from: "2025-07-01")
                for (name, code) in plan.formers {
                    let old = try await unit(districts[plan.formerDistrict], name.hasPrefix("Thị trấn") ? .ward : .commune, code, name, to: "2025-06-30")
                    try await sql.update("units").set("successor_id", to: commune.id).where("id", .equal, old.id).run()
                }
                let suffix = plan.name.replacingOccurrences(of: "Xã ", with: "")
                let committee = try await unit(commune, .peoplesCommittee, "\(plan.code)-UB", "UBND \(plan.name.lowercased().hasPrefix("xã") ? "xã" : "") \(suffix)".tidied, from: "2025-07-01")
                let party = try await unit(commune, .partyCommittee, "\(plan.code)-DU", "Đảng ủy xã \(suffix)", from: "2025-07-01")
                let office = try await unit(committee, .office, "\(plan.code)-VP", "Văn phòng HĐND và UBND", from: "2025-07-01")
                let economy = try await unit(committee, .department, "\(plan.code)-KT", "Phòng Kinh tế", from: "2025-07-01")
                let culture = try await unit(committee, .department, "\(plan.code)-VHXH", "Phòng Văn hóa - Xã hội", from: "2025-07-01")
                let centre = try await unit(committee, .serviceCentre, "\(plan.code)-TTHCC", "Trung tâm Phục vụ hành chính công", from: "2025-07-01")

                // Posts: (unit, title, category, leader, how many)
                let posts: [(OrgUnit, String, StaffCategory, Bool, Int)] = [
                    (committee, "Chủ tịch UBND xã", .cadre, true, 1),
                    (committee, "Phó Chủ tịch UBND xã", .cadre, true, 2),
                    (party, "Bí thư Đảng ủy xã", .cadre, true, 1),
                    (party, "Phó Bí thư Đảng ủy xã", .cadre, true, 1),
                    (party, "Chuyên viên Văn phòng Đảng ủy", .civilServant, false, 4),
                    (office, "Chánh Văn phòng", .civilServant, true, 1),
                    (office, "Phó Chánh Văn phòng", .civilServant, false, 1),
                    (office, "Công chức Văn phòng - Thống kê", .civilServant, false, 5),
                    (office, "Kế toán", .publicEmployee, false, 2),
                    (office, "Nhân viên lái xe", .contract, false, 2),
                    (economy, "Trưởng phòng Kinh tế", .civilServant, true, 1),
                    (economy, "Phó Trưởng phòng Kinh tế", .civilServant, false, 1),
                    (economy, "Công chức Địa chính - Xây dựng", .civilServant, false, 6),
                    (economy, "Công chức Nông nghiệp - Môi trường", .civilServant, false, 4),
                    (culture, "Trưởng phòng Văn hóa - Xã hội", .civilServant, true, 1),
                    (culture, "Phó Trưởng phòng Văn hóa - Xã hội", .civilServant, false, 1),
                    (culture, "Công chức Văn hóa - Xã hội", .civilServant, false, 6),
                    (culture, "Công chức Tư pháp - Hộ tịch", .civilServant, false, 3),
                    (centre, "Giám đốc Trung tâm", .civilServant, true, 1),
                    (centre, "Công chức Bộ phận một cửa", .civilServant, false, 5),
                    (centre, "Viên chức hỗ trợ", .publicEmployee, false, 2),
                    (committee, "Người hoạt động không chuyên trách", .partTime, false, 8),
                    (committee, "Trưởng Công an xã", .cadre, false, 1),
                    (committee, "Chỉ huy trưởng Quân sự xã", .cadre, false, 1),
                ]
                var chairman: Int64?
                var first: [String: Int64] = [:]
                var serial = 0
                for (u, title, category, leader, count) in posts {
                    for _ in 0..<count {
                        serial += 1
                        var female = Int.random(in: 0..<100, using: &rng) < 48
                        var name = female
                            ? "\(families.randomElement(using: &rng)!) \(femaleMiddle.randomElement(using: &rng)!) \(femaleGiven.randomElement(using: &rng)!)"
                            : "\(families.randomElement(using: &rng)!) \(maleMiddle.randomElement(using: &rng)!) \(maleGiven.randomElement(using: &rng)!)"
                        if ci == 0 && serial == 1 { name = "Nguyễn Văn Hùng"; female = false }
                        let year = Int.random(in: 1968...2000, using: &rng)
                        var card = Digits.pad(Int.random(in: 1_000_000...9_999_999_999, using: &rng), 10)
                        while usedCards.contains(card) { card = Digits.pad(Int.random(in: 1_000_000...9_999_999_999, using: &rng), 10) }
                        usedCards.insert(card)
                        let person = Person(id: 0, fullName: name, gender: female ? .female : .male,
                                            birthDate: Day(year: year, month: Int.random(in: 1...12, using: &rng), day: Int.random(in: 1...28, using: &rng)),
                                            phone: "09\(Int.random(in: 10_000_000...99_999_999, using: &rng))",
                                            email: "", cardNumber: card,
                                            terminalPIN: Digits.pad(Int.random(in: 0...9999, using: &rng), 4))
                        let stored = try await PeopleStore.insert(person, in: sql, kind: dbKind, by: actor, reason: "demo")
                        let assignment = Assignment(id: 0, personID: stored.id, unitID: u.id, title: title, category: category,
                                                    isLeader: leader, reportsTo: leader ? nil : chairman, validFrom: Day("2025-07-01")!)
                        _ = try await PeopleStore.insert(assignment, in: sql, kind: dbKind, by: actor, reason: "demo")
                        if chairman == nil { chairman = stored.id }
                        if first[title] == nil { first[title] = stored.id }
                    }
                }
                let key = plan.accountKey
                users.append(("chutich.\(key)", first["Chủ tịch UBND xã"], .leader, commune.id, commune.name))
                users.append(("vanphong.\(key)", first["Chánh Văn phòng"], .unitAdmin, commune.id, commune.name))
                users.append(("congchuc.\(key)", first["Công chức Văn phòng - Thống kê"], .civilServant, commune.id, commune.name))
                users.append(("motcua.\(key)", first["Công chức Bộ phận một cửa"], .oneStopOfficer, centre.id, centre.name))
            }
            try await punches(sql: sql, rng: &rng, now: Date())
            try await terminals(sql: sql, now: Date())
            let now = Instant.now()
            for (username, personID, role, unitID, unitName) in users {
                var display = username
                if let personID, let row = try await sql.select().column("full_name").from("people").where("id", .equal, personID).first() {
                    display = try row.decode(column: "full_name", as: String.self)
                } else if role == .systemAdmin {
                    display = "Quản trị hệ thống"
                } else if role == .inspector {
                    display = "Thanh tra tỉnh"
                }
                let row = try await sql.insert(into: "users")
                    .columns("username", "display_name", "password_hash", "person_id", "created_at", "password_changed_at")
                    .values(SQLBind(username), SQLBind(display), SQLBind(passwordHash), SQLBind(personID), SQLBind(now), SQLBind(now))
                    .returning("id").first()
                let id = try row!.decode(column: "id", as: Int64.self)
                try await sql.insert(into: "grants").columns("user_id", "role", "unit_id").values(SQLBind(id), SQLBind(role.rawValue), SQLBind(unitID)).run()
                try await AuditLog.append(.init(action: .create, objectType: "user", objectID: String(id),
                                                after: "{\"username\":\"\(username)\",\"grants\":[\"\(role.rawValue)@\(unitID)\"]}", reason: "demo"),
                                          by: actor, in: sql, kind: dbKind)
                accounts.append(DemoAccount(username: username, password: password, role: role, unit: unitName))
            }
            return accounts
        }
        // Office hours and holidays were written directly: no calendar built before may be reused.
        database.calendars.clear()
        // A year of one-stop dossiers at each commune's service centre.
        try await OneStopDemo.load(into: database, days: oneStopDays)
        // Three months of tasks, and one transfer that left tasks to reassign.
        try await NotificationDemo.addresses(into: database, now: Date())
        try await TaskDemo.load(into: database)
        try await NotificationDemo.answers(in: database, now: Date())
        return accounts
    }

    /// The fleet of Gia Hưng: a ZKTeco terminal at the committee's door (its clock was set by hand
    /// yesterday: an open alert), a Hikvision face terminal at the one-stop counter, and a new
    /// terminal waiting for approval.
    static func terminals(sql: any SQLDatabase, now: Date) async throws {
        func unitID(_ code: String) async throws -> Int64 {
            try await sql.select().column("id").from("units").where("code", .equal, code).first()!.decode(column: "id", as: Int64.self)
        }
        let at = Instant.format(now), recent = Instant.format(now.addingTimeInterval(-8))
        let fleet: [(String, String, String, String, Int64?, String, String, Int?, Int?, Int?)] = [
            ("AF6C201460501", "zkteco", "2.x", "approved", try await unitID("14551-UB"), "Cổng chính trụ sở", "Ver 8.0.4.7-20230615", 61, 5120, 4),
            ("DS-K1T341AM20240001", "hikvision", "isapi", "approved", try await unitID("14551-TTHCC"), "Quầy một cửa", "V3.3.2 build 230511", nil, nil, nil),
            ("AF6C201460502", "zkteco", "2.x", "pending", nil, "", "", nil, nil, nil),
        ]
        for (serial, vendor, family, status, unit, location, firmware, users, records, drift) in fleet {
            try await sql.insert(into: "terminals")
                .columns("serial", "vendor", "family", "status", "unit_id", "location", "firmware", "first_seen_at", "last_seen_at", "last_address",
                         "user_count", "record_count", "clock_drift", "drift_measured_at", "approved_at", "pinned_address")
                .values(SQLBind(serial), SQLBind(vendor), SQLBind(family), SQLBind(status), SQLBind(unit), SQLBind(location), SQLBind(firmware),
                        SQLBind(Instant.format(now.addingTimeInterval(-40 * 86400))), SQLBind(status == "pending" ? at : recent),
                        SQLBind(status == "pending" ? "10.0.0.57" : "192.168.1.201"), SQLBind(users), SQLBind(records), SQLBind(drift),
                        SQLBind(drift == nil ? nil : recent), SQLBind(status == "approved" ? at : nil),
                        SQLBind(status == "approved" ? "192.168.1.0/24" : ""))
                .run()
        }
        let terminal = try await sql.select().column("id").from("terminals").where("serial", .equal, "AF6C201460501").first()!
            .decode(column: "id", as: Int64.self)
        let yesterday = now.addingTimeInterval(-86400)
        try await sql.insert(into: "terminal_alerts").columns("terminal_id", "kind", "occurred_at", "day", "detail", "dedupe", "created_at")
            .values(SQLBind(terminal), SQLBind("time_set"), SQLBind(Instant.format(yesterday)), SQLBind(Day(yesterday, in: CivilTime.vietnam).description),
                    SQLBind("OPLOG 21 1 \(Day(yesterday, in: CivilTime.vietnam)) 06:12:40"), SQLBind("demo:time_set"), SQLBind(at)).run()
        // The office and the chairman were told at once, as the upload would have told them.
        try await AlertStore.notifyTamper([NewTerminalAlert(kind: .timeSet, occurredAt: yesterday, detail: "", dedupe: "demo:time_set")],
                                          terminalID: terminal, in: sql, now: yesterday)
        // The committee's staff are on its door terminal; a newcomer's PIN is not, so her punch
        // yesterday waits for the office (held as unenrolled).
        try await sql.raw("""
            INSERT INTO terminal_enrolments (terminal_id, pin, source, first_at)
            SELECT DISTINCT \(unsafeRaw: String(terminal)), p.terminal_pin, 'command', \(bind: at) FROM people p
            JOIN assignments a ON a.person_id = p.id JOIN units u ON u.id = a.unit_id
            WHERE u.code = '14551-UB' AND a.valid_to IS NULL AND p.terminal_pin <> ''
            """).run()
        if let newcomer = try await sql.raw("""
            SELECT p.id, p.terminal_pin FROM people p JOIN assignments a ON a.person_id = p.id JOIN units u ON u.id = a.unit_id
            WHERE u.code = '14551-UB' AND a.valid_to IS NULL AND p.terminal_pin <> '' ORDER BY p.id DESC LIMIT 1
            """).first() {
            let pin = try newcomer.decode(column: "terminal_pin", as: String.self)
            try await sql.delete(from: "terminal_enrolments").where("terminal_id", .equal, terminal).where("pin", .equal, pin).run()
            let day = Day(yesterday, in: CivilTime.vietnam)
            let punchAt = CivilTime.startOfDay(day).addingTimeInterval(7 * 3600 + 41 * 60)
            try await sql.insert(into: "punches")
                .columns("person_id", "at", "received_at", "source", "method", "device", "flag", "idempotency_key")
                .values(SQLBind(try newcomer.decode(column: "id", as: Int64.self)), SQLBind(Instant.format(punchAt)),
                        SQLBind(Instant.format(punchAt.addingTimeInterval(20))), SQLBind("terminal"), SQLBind("fingerprint"),
                        SQLBind("terminal:AF6C201460501"), SQLBind("unenrolled"), SQLBind("demo:unenrolled:\(pin)")).run()
            try await sql.insert(into: "terminal_alerts").columns("terminal_id", "kind", "occurred_at", "day", "detail", "dedupe", "created_at")
                .values(SQLBind(terminal), SQLBind("unenrolled_punches"), SQLBind(Instant.format(punchAt)), SQLBind(day.description),
                        SQLBind("1 · PIN \(pin)"), SQLBind("demo:unenrolled"), SQLBind(at)).run()
        }
    }

    /// Three months of punches up to this morning (as far as now), in batches: most on time,
    /// some late or leaving early, forgotten check-outs, a few absences; approved notices and
    /// leave that excuse their days, a pending notice, and explanation cases in every state.
    static func punches(sql: any SQLDatabase, rng: inout Seeded, now: Date) async throws {
        let today = Day(now, in: CivilTime.vietnam)
        let calendar = WorkCalendar(hours: .ngheAn, specialDays: ((today.year - 1)...today.year).flatMap { HolidayRules.proposals(year: $0) },
                                    years: (today.year - 1)...today.year)
        var days: [Day] = []
        var d = today
        while days.count < 66, d.year >= today.year - 1 {
            if calendar.isWorkingDay(d) { days.append(d) }
            d = d.previous
        }
        let people = try await sql.select().column("id").from("people").orderBy("id").all().map { try $0.decode(column: "id", as: Int64.self) }
        // Approved leave and trips first: a person away does not punch.
        var away: [Int64: Set<Day>] = [:]
        var requests: [[any Encodable & Sendable]] = []
        func request(_ person: Int64, _ kind: Excuse.Kind, _ place: String, _ purpose: String, _ from: Date, _ to: Date, _ status: String) {
            requests.append([person, kind.rawValue, place, purpose, Instant.format(from), Instant.format(to),
                             Instant.format(from.addingTimeInterval(-86400)), status, ""])
        }
        let trips = [("Sở Nội vụ tỉnh", "Họp triển khai công tác cải cách hành chính"), ("UBND tỉnh", "Dự hội nghị trực tuyến"),
                     ("Thôn Đông", "Kiểm tra hiện trường đất đai"), ("Trường Chính trị tỉnh", "Bồi dưỡng quản lý nhà nước")]
        for person in people where Int.random(in: 0..<100, using: &rng) < 35 {
            let day = days[Int.random(in: 1..<days.count, using: &rng)]
            let start = calendar.startOfDay(day)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0:
                request(person, .annualLeave, "", "Nghỉ phép năm", start.addingTimeInterval(6 * 3600), start.addingTimeInterval(18 * 3600), "approved")
                away[person, default: []].insert(day)
            case 1:
                let trip = trips[Int.random(in: 0..<trips.count, using: &rng)]
                request(person, .businessTrip, trip.0, trip.1, start.addingTimeInterval(6 * 3600), start.addingTimeInterval(18 * 3600), "approved")
                away[person, default: []].insert(day)
            case 2:
                let trip = trips[Int.random(in: 0..<3, using: &rng)]
                request(person, .notice, trip.0, trip.1, start.addingTimeInterval(13.5 * 3600), start.addingTimeInterval(17.5 * 3600), "approved")
            default:
                request(person, .sickLeave, "", "Ốm, có giấy khám bệnh", start.addingTimeInterval(6 * 3600), start.addingTimeInterval(18 * 3600), "approved")
                away[person, default: []].insert(day)
            }
        }
        var batch = PunchBatch(sql: sql, device: "demo-terminal")
        var violations: [(Int64, Day, DayVerdict.Status)] = []
        for day in days {
            let sessions = calendar.sessions(on: day)
            let start = calendar.startOfDay(day)
            let first = Double(sessions[0].start.minutes * 60), last = Double(sessions[sessions.count - 1].end.minutes * 60)
            for person in people where !(away[person]?.contains(day) ?? false) {
                let roll = Int.random(in: 0..<100, using: &rng)
                if roll < 3 { violations.append((person, day, .absent)); continue }  // absent
                let late = roll < 15 ? Double(Int.random(in: 6...40, using: &rng)) * 60 : -Double(Int.random(in: -4...20, using: &rng)) * 60
                let early = (15..<23).contains(roll) ? -Double(Int.random(in: 10...60, using: &rng)) * 60 : Double(Int.random(in: 0...25, using: &rng)) * 60
                if roll < 23 { violations.append((person, day, roll < 15 ? .late : .leftEarly)) }
                var times = [start.addingTimeInterval(first + late)]
                if !(23..<27).contains(roll) { times.append(start.addingTimeInterval(last + early)) }
                for at in times where at <= now { try await batch.add(person: person, at: at) }
            }
        }
        try await batch.flush()
        // Today: three approved afternoon notices and one waiting for a decision.
        if let day = days.first, day == today {
            let start = calendar.startOfDay(day)
            for person in people.prefix(40).suffix(3) {
                request(person, .notice, "Sở Nội vụ", "Họp triển khai công việc", start.addingTimeInterval(13.5 * 3600), start.addingTimeInterval(17.5 * 3600), "approved")
            }
            if people.count > 45 {
                request(people[44], .notice, "Thôn Trung", "Xác minh hồ sơ đất đai", start.addingTimeInterval(14 * 3600), start.addingTimeInterval(16 * 3600), "pending")
            }
        }
        for chunk in stride(from: 0, to: requests.count, by: 200) {
            var insert = sql.insert(into: "absence_requests")
                .columns("person_id", "kind", "place", "purpose", "starts_at", "ends_at", "filed_at", "status", "decision_note")
            for r in requests[chunk..<min(chunk + 200, requests.count)] { insert = insert.values(r.map { SQLBind($0) }) }
            try await insert.run()
        }
        // The request waiting for a decision reached its deciders as one filed today would.
        for row in try await sql.select().column("*").from("absence_requests").where("status", .equal, "pending").all() {
            try await AbsenceStore.notifyDeciders(try AbsenceStore.decode(row), in: sql)
        }
        // Explanation cases on some past violations: open, explained, accepted and rejected.
        let texts = ["Xe hỏng trên đường đi làm, đã báo trưởng phòng.", "Đi xác minh hồ sơ tại thôn, quên chấm công khi về.",
                     "Con ốm, đưa đi khám buổi sáng."]
        for (i, (person, day, verdict)) in violations.filter({ $0.1 < today }).prefix(24).enumerated() {
            let opened = calendar.startOfDay(day).addingTimeInterval(86400 + 9 * 3600)
            let due = (try? calendar.addingWorkingDays(3, to: opened)) ?? opened
            let status = ["open", "explained", "accepted", "rejected"][i % 4]
            let explained = status == "open" ? nil : Instant.format(opened.addingTimeInterval(3 * 3600))
            let decided = status == "accepted" || status == "rejected" ? Instant.format(opened.addingTimeInterval(26 * 3600)) : nil
            try await sql.insert(into: "explanations")
                .columns("person_id", "day", "verdict", "minutes", "opened_at", "due_at", "status", "text", "explained_at", "decided_at", "decision_note")
                .values(SQLBind(person), SQLBind(day.description), SQLBind(verdict.rawValue), SQLBind(0), SQLBind(Instant.format(opened)),
                        SQLBind(Instant.format(due)), SQLBind(status), SQLBind(explained == nil ? "" : texts[i % texts.count]), SQLBind(explained),
                        SQLBind(decided), SQLBind(status == "rejected" ? "Không có xác nhận của trưởng phòng" : ""))
                .run()
        }
    }
}
