import CongvuDomain
import CongvuStore
import Foundation

/// The demo's reform index (issue 24), on the example framework (marked as an example): the
/// province's council (the `noivu` account, an officer of the Home Affairs department) assessed the
/// three communes for last year — each self-assessed with evidence and submitted, the council
/// appraised with its reasons, entered the survey, and published the ranking, which gave the weak
/// sub-criteria to the communes as remediation tasks; this year's round is open and live, Gia Vân
/// has submitted, Gia Hưng is half-way, Nho Quan has not begun. The former communes merged in 2025
/// keep their indices of 2022–2024 under the new communes.
enum ReformDemo {
    static let actor = Actor(id: nil, name: "demo")

    static func load(_ services: AppServices, now: Date = Date()) async throws -> [Demo.DemoAccount] {
        let reform = services.reform, store = reform.store, today = Day(now, in: CivilTime.vietnam)
        guard let province = try await services.units.byCode("37") else { return [] }
        var communes: [OrgUnit] = []
        for code in ["14551", "14554", "14557"] { if let u = try await services.units.byCode(code) { communes.append(u) } }
        // The council's officer and account.
        let officer = try await services.people.create(
            Person(id: 0, fullName: "Vũ Thị Hồng Nhung"),
            assignment: Assignment(id: 0, personID: 0, unitID: province.id, title: "Chuyên viên Phòng Cải cách hành chính, Sở Nội vụ", category: .civilServant,
                                   isLeader: false, validFrom: Day("2025-07-01")!),
            by: actor, reason: "demo")
        let account = try await services.accounts.create(username: "noivu", displayName: officer.fullName, passwordHash: try await services.passwords.hash(Demo.password),
                                                         personID: officer.id, grants: [(.reformCouncil, province.id)], by: actor)
        _ = account
        let council = Actor(id: account.id, name: officer.fullName)

        // History before the system: the former communes, under the district that assessed them.
        var rng = SeededGenerator(seed: 2024)
        for commune in communes {
            for former in try await services.units.predecessors(of: commune.id) {
                for year in 2022...2024 {
                    let index = Percent(hundredths: Int.random(in: 7_400...9_300, using: &rng))
                    try await store.enterHistory(ReformHistoryEntry(unitID: former.id, year: year, issuer: "UBND huyện (trước sáp nhập)", index: index,
                                                                    band: index.hundredths >= 9_000 ? "Tốt" : index.hundredths >= 8_000 ? "Khá" : "Trung bình",
                                                                    rank: Int.random(in: 1...21, using: &rng), of: 21), by: council)
                }
            }
        }

        // Last year: self-assessed, appraised, published.
        var last = try ReformServices.example()
        last.code += "-\(today.year - 1)"
        last.year = today.year - 1
        last.title = last.title.replacingOccurrences(of: "\(today.year)", with: "\(today.year - 1)")
        let lastStored = try await store.saveFramework(last, by: council)
        let lastDeadline = Day(year: today.year, month: 1, day: 15)!
        let lastRound = try await store.openRound(frameworkID: lastStored.id, bodyID: province.id, deadline: lastDeadline,
                                                  units: communes.map { ($0.id, ReformServices.group(of: $0, in: last)) }, by: council)
        let shares = [9_200, 8_100, 7_300]
        for (i, commune) in communes.enumerated() {
            try await selfAssess(store, round: lastRound, framework: last, unit: commune, share: shares[i], until: nil, day: lastDeadline.previous, rng: &rng)
            try await store.submit(roundID: lastRound, unitID: commune.id, on: lastDeadline.previous, by: actor)
        }
        guard let opened = try await store.round(lastRound) else { return [] }
        let participants = try await store.participants(roundID: lastRound)
        try await store.close(roundID: lastRound, measured: try await reform.measured(opened, participants), by: council)
        for (i, commune) in communes.enumerated() {
            for s in last.subCriteria where s.applies(to: "commune") {
                switch s.method {
                case .survey:
                    try await store.appraise(roundID: lastRound, unitID: commune.id, code: s.code, points: s.maximum.scaled(shares[i] - 400, over: 10_000),
                                             reason: "Kết quả điều tra xã hội học năm \(last.year)", by: council)
                case .manual where s.evidenceRequired && i == 2:
                    // The council found one plan issued late in Nho Quan.
                    try await store.appraise(roundID: lastRound, unitID: commune.id, code: s.code, points: s.maximum.scaled(4_000, over: 10_000),
                                             reason: "Văn bản ban hành chậm so với kế hoạch của tỉnh; tài liệu kiểm chứng chưa đủ", by: council)
                case .penalty where i == 1:
                    try await store.appraise(roundID: lastRound, unitID: commune.id, code: s.code, points: Points("1")!,
                                             reason: "Có 01 công chức bị kỷ luật khiển trách trong năm", by: council)
                default: break
                }
            }
        }
        if let closed = try await store.round(lastRound) {
            let decisionDay = Day(year: today.year, month: 2, day: 10)!
            var named = closed
            named.decisionNumber = "125/QĐ-UBND"
            let tasks = try await reform.remediation(named, decisionDay: decisionDay, assignerID: officer.id)
            try await store.publish(roundID: lastRound, version: closed.version, decisionNumber: "125/QĐ-UBND", decisionDay: decisionDay,
                                    issuer: province.name, tasks: tasks, by: council)
        }

        // This year: open and live.
        let current = try await store.saveFramework(try ReformServices.example(), by: council)
        let deadline = Day(year: today.year + 1, month: 1, day: 15)!
        let round = try await store.openRound(frameworkID: current.id, bodyID: province.id, deadline: deadline,
                                              units: communes.map { ($0.id, ReformServices.group(of: $0, in: current.framework)) }, by: council)
        for (i, commune) in communes.enumerated() where i < 2 {
            try await selfAssess(store, round: round, framework: current.framework, unit: commune, share: shares[i], until: i == 0 ? 6 : nil, day: today, rng: &rng)
            if i == 1 { try await store.submit(roundID: round, unitID: commune.id, on: today, by: actor) }
        }
        return [Demo.DemoAccount(username: "noivu", password: Demo.password, role: .reformCouncil, unit: province.name)]
    }

    /// A commune's own points for the manual sub-criteria (about `share` of each maximum, in quarter
    /// points), with a link to a record as evidence where asked; `until`: only the first so many.
    static func selfAssess(_ store: ReformStore, round: Int64, framework f: ReformFramework, unit: OrgUnit, share: Int, until: Int?, day: Day,
                           rng: inout SeededGenerator) async throws {
        let manual = f.subCriteria.filter { $0.method == .manual && $0.applies(to: "commune") }
        for s in manual.prefix(until ?? manual.count) {
            let jitter = Int.random(in: -800...800, using: &rng)
            var points = s.maximum.scaled(max(0, min(10_000, share + jitter)), over: 10_000)
            points = Points(hundredths: (points.hundredths / 25) * 25)
            if s.evidenceRequired {
                try await store.addEvidence(roundID: round, unitID: unit.id, code: s.code, link: "/tasks?q=\(s.code)", on: day, by: actor)
            }
            try await store.assess(roundID: round, unitID: unit.id, code: s.code, points: points,
                                   note: "Đã thực hiện theo kế hoạch; tài liệu lưu tại Văn phòng HĐND và UBND xã.", on: day, by: actor)
        }
    }
}
