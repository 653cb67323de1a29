import CongvuDomain
import CongvuStore
import Foundation

/// The demo's feedback (issue 23): a year of it for the three communes, by every channel, at the
/// committees and their one-stop centres. Most was assigned and answered within its deadline, some
/// late; citizens rated many answers, said a few did not solve the matter (reopened, answered again);
/// a few duplicates were merged and two advertisements marked as spam; the last days' items wait for
/// the office, and a few old ones were never answered, so the morning escalated them to the province.
/// Gia Hưng's suggestion box was opened twice before witnesses, its letters entered from each opening.
enum FeedbackDemo {
    static let actor = Actor(id: nil, name: "demo")

    static let texts: [String: [String]] = [
        "attitude": [
            "Công chức bộ phận một cửa trả lời cộc lốc, không hướng dẫn cách bổ sung hồ sơ.",
            "Đến giờ làm việc buổi chiều nhưng quầy tiếp nhận không có người trực.",
            "Cán bộ địa chính hẹn ra thực địa hai lần nhưng đều không đến.",
            "Cán bộ tiếp dân sử dụng điện thoại riêng trong lúc làm việc với người dân.",
        ],
        "regulation": [
            "Đề nghị niêm yết rõ mức lệ phí chứng thực bản sao tại bộ phận một cửa.",
            "Quy định phải nộp bản sao có chứng thực sổ hộ khẩu đã bãi bỏ nhưng xã vẫn yêu cầu.",
            "Đề nghị cho phép nộp hồ sơ đăng ký khai sinh qua mạng cho người cao tuổi được con cháu làm hộ.",
        ],
        "dossier": [
            "Hồ sơ cấp giấy chứng nhận quyền sử dụng đất nộp từ tháng trước đã quá hẹn nhưng chưa có kết quả.",
            "Hồ sơ xác nhận tình trạng hôn nhân bị trả lại mà không ghi lý do.",
            "Đã nộp hồ sơ trực tuyến nhưng xã yêu cầu mang bản giấy đến nộp lại.",
        ],
        "public_service": [
            "Đèn đường trục chính thôn %d hỏng nhiều ngày, buổi tối rất tối.",
            "Rác thải tồn đọng ở khu vực chợ thôn %d, bốc mùi khó chịu.",
            "Cống thoát nước ở thôn %d bị tắc, mưa to là ngập đường.",
            "Đường liên thôn %d có ổ gà lớn, xe máy dễ ngã.",
        ],
        "other": [
            "Loa truyền thanh thôn %d phát quá sớm vào buổi sáng, đề nghị điều chỉnh giờ.",
            "Đề nghị bố trí thêm ghế chờ tại bộ phận một cửa.",
        ],
    ]

    static let answers: [String: String] = [
        "attitude": "UBND xã đã làm việc với công chức có liên quan, yêu cầu rút kinh nghiệm, và xin lỗi ông/bà về sự việc.",
        "regulation": "UBND xã đã rà soát và niêm yết lại thông tin theo đúng quy định; kiến nghị đã được báo cáo lên UBND tỉnh.",
        "dossier": "Hồ sơ đã được giải quyết; kết quả được trả tại bộ phận một cửa. Xin lỗi ông/bà vì sự chậm trễ.",
        "public_service": "UBND xã đã chỉ đạo tổ dịch vụ khắc phục xong; đề nghị ông/bà tiếp tục phản ánh nếu còn tồn tại.",
        "other": "UBND xã ghi nhận ý kiến và đã điều chỉnh cho phù hợp.",
    ]

    static let names = ["Nguyễn Văn Hùng", "Trần Thị Mai", "Lê Văn Tâm", "Phạm Thị Hương", "Hoàng Văn Nam", "Đinh Thị Lan", "Vũ Văn Bình", ""]

    static func load(_ services: AppServices, now: Date = Date()) async throws {
        let feedback = services.feedback, store = feedback.store
        var rng = SeededGenerator(seed: 23)
        let channels: [FeedbackChannel] = [.web, .web, .web, .web, .hotline, .hotline, .letter, .email, .open311]
        let categories = ["attitude", "regulation", "dossier", "public_service", "public_service", "other"]
        for key in ["14551", "14554", "14557"] {
            guard let committee = try await services.units.byCode("\(key)-UB"), let centre = try await services.units.byCode("\(key)-TTHCC") else { continue }
            let staff = try await services.tasks.staff(of: [committee]).filter { !$0.isLeader }
            guard !staff.isEmpty else { continue }
            // Gia Hưng's box, opened twice.
            var openings: [(id: Int64, at: Date, letters: Int)] = []
            if key == "14551" {
                for (daysAgo, letters) in [(150, 3), (40, 2)] {
                    let at = now.addingTimeInterval(-Double(daysAgo) * 86_400)
                    let id = try await store.open(box: committee.id, on: Day(at, in: CivilTime.vietnam), openedBy: "Chánh Văn phòng HĐND và UBND xã",
                                                  witnesses: "Chủ tịch Ủy ban MTTQ xã; Trưởng ban Thanh tra nhân dân", letters: letters, by: actor, at: at)
                    openings.append((id, at, letters))
                }
            }
            var filed: [FeedbackItem] = []
            var day = 360
            while day > 0 {
                let at = now.addingTimeInterval(-Double(day) * 86_400 + Double(Int.random(in: 0..<8, using: &rng)) * 3600 + 7200)
                let category = categories.randomElement(using: &rng)!
                var text = texts[category]!.randomElement(using: &rng)!
                if text.contains("%d") { text = String(format: text, Int.random(in: 1...9, using: &rng)) }
                let channel = channels.randomElement(using: &rng)!
                let name = names.randomElement(using: &rng)!
                let phone = name.isEmpty ? "" : "09\(Int.random(in: 10_000_000...99_999_999, using: &rng))"
                // Who wrote by e-mail is answered there, some of them privately.
                let mailed = channel == .email && !name.isEmpty
                let draft = FeedbackDraft(category: category, channel: channel, description: text, citizenName: name,
                                          contact: mailed ? SearchKey.fold(name).replacingOccurrences(of: " ", with: ".") + "@gmail.com" : phone,
                                          address: category == "public_service" ? "Xã \(committee.name.replacingOccurrences(of: "UBND xã ", with: ""))" : "",
                                          latitude: channel == .open311 ? 20.2 + Double(Int.random(in: 0..<100, using: &rng)) / 1000 : nil,
                                          longitude: channel == .open311 ? 105.9 + Double(Int.random(in: 0..<100, using: &rng)) / 1000 : nil,
                                          answerPrivately: mailed && phone.last.map { "13579".contains($0) } == true)
                let unit = category == "dossier" ? centre : committee
                let item = try await feedback.file(draft, unit: unit, client: channel == .open311 ? "cong-dvc-tinh" : "", by: actor, at: at)
                filed.append(item)
                try await move(item, services: services, staff: staff, at: at, now: now, rng: &rng)
                day -= Int.random(in: 3...8, using: &rng)
            }
            for opening in openings {
                for i in 0..<opening.letters {
                    let category = ["regulation", "other", "attitude"][i % 3]
                    let letter = FeedbackDraft(category: category, channel: .box, description: texts[category]!.first!.replacingOccurrences(of: "%d", with: "2"))
                    let item = try await feedback.file(letter, unit: committee, boxOpeningID: opening.id, by: actor, at: opening.at.addingTimeInterval(3600))
                    try await move(item, services: services, staff: staff, at: opening.at.addingTimeInterval(3600), now: now, rng: &rng)
                }
            }
            // Two from the last day wait for the office; one given a month ago was never answered.
            for (hours, category) in [(20, "public_service"), (3, "attitude")] {
                let text = texts[category]![1].replacingOccurrences(of: "%d", with: "4")
                filed.append(try await feedback.file(FeedbackDraft(category: category, channel: .web, description: text, citizenName: names[hours % names.count]),
                                                     unit: committee, by: actor, at: now.addingTimeInterval(-Double(hours) * 3600)))
            }
            let forgotten = try await feedback.file(FeedbackDraft(category: "dossier", channel: .hotline, description: texts["dossier"]![0], citizenName: names[3],
                                                                  contact: "0912000111"), unit: centre, by: actor, at: now.addingTimeInterval(-30 * 86_400))
            let counter = try await services.tasks.staff(of: [centre]).first?.personID ?? staff[0].personID
            try await store.apply(.init(action: .assign, ownerUnitID: centre.id, ownerID: counter), to: forgotten.id, version: nil, by: actor,
                                  at: now.addingTimeInterval(-29 * 86_400))
            // Duplicates merged into the first of their kind, and advertisements marked as spam.
            let open = filed.filter { $0.receivedAt > now.addingTimeInterval(-12 * 86_400) }
            if open.count >= 2 {
                let dup = try await feedback.file(FeedbackDraft(category: open[0].draft.category, channel: .web, description: open[0].draft.description),
                                                  unit: try await services.units.get(open[0].unitID) ?? committee, by: actor,
                                                  at: open[0].receivedAt.addingTimeInterval(5400))
                try await store.apply(.init(action: .merge, reason: "Trùng nội dung với phản ánh \(open[0].code)", mergedInto: open[0].id), to: dup.id,
                                      version: nil, by: actor, at: dup.receivedAt.addingTimeInterval(3600))
            }
            let junk = try await feedback.file(FeedbackDraft(category: "other", channel: .web, description: "Vay tiền nhanh không cần thế chấp, lãi suất thấp, liên hệ ngay."),
                                               unit: committee, by: actor, at: now.addingTimeInterval(-5 * 86_400))
            try await store.apply(.init(action: .spam, reason: "Tin quảng cáo"), to: junk.id, version: nil, by: actor, at: now.addingTimeInterval(-4 * 86_400))
        }
        // The morning's escalation over what was left unanswered past its deadline.
        try await feedback.escalate(now: now)
    }

    /// What happened to an item after it was filed, by its age: the last days' wait for the office
    /// or their owner; of the older ones most were answered on time, some late, a few never.
    static func move(_ item: FeedbackItem, services: AppServices, staff: [StaffPost], at: Date, now: Date, rng: inout SeededGenerator) async throws {
        let store = services.feedback.store
        let age = now.timeIntervalSince(at) / 86_400
        let roll = Int.random(in: 0..<100, using: &rng)
        if age < 3 || (age < 8 && roll < 40) { return }                       // waiting for the office
        let owner = staff.randomElement(using: &rng)!
        let assignedAt = at.addingTimeInterval(Double(Int.random(in: 2...30, using: &rng)) * 3600)
        try await store.apply(.init(action: .assign, ownerUnitID: item.ownerUnitID == item.unitID ? item.unitID : item.ownerUnitID, ownerID: owner.personID),
                              to: item.id, version: nil, by: actor, at: assignedAt)
        if age < 10 || (age > 40 && roll >= 97) { return }                     // in hand, or never answered (escalated)
        let dueAt = CivilTime.startOfDay(item.due).addingTimeInterval(16 * 3600)
        let span = dueAt.timeIntervalSince(assignedAt)
        // Nine in ten on time; the others a few days late.
        let answeredAt = roll < 90 ? assignedAt.addingTimeInterval(span * Double(Int.random(in: 20...95, using: &rng)) / 100)
            : dueAt.addingTimeInterval(Double(Int.random(in: 1...6, using: &rng)) * 86_400)
        guard answeredAt < now else { return }
        try await store.apply(.init(action: .answer, answer: answers[item.draft.category] ?? answers["other"]!), to: item.id, version: nil,
                              answeredBy: owner.personID, by: Actor(id: nil, name: owner.fullName), at: answeredAt)
        let later = answeredAt.addingTimeInterval(Double(Int.random(in: 1...5, using: &rng)) * 86_400)
        guard later < now else { return }
        if roll % 10 < 7 {
            let satisfaction: Satisfaction = roll % 10 < 4 ? .verySatisfied : roll % 10 < 6 ? .satisfied : .notSatisfied
            try await store.rate(code: item.code, satisfaction, at: later)
        }
        if roll % 10 == 6 {
            // Not solved: reopened, answered again three days later.
            try await store.verdict(code: item.code, solved: false, newDue: Day(later.addingTimeInterval(10 * 86_400), in: CivilTime.vietnam),
                                    notify: NotificationDraft(key: NotificationKey(.feedbackReopened, recordType: "feedback", recordID: item.id, occasion: "")),
                                    heads: [], at: later)
            let again = later.addingTimeInterval(3 * 86_400)
            if again < now {
                try await store.apply(.init(action: .answer, answer: "Đã kiểm tra lại tại hiện trường và khắc phục dứt điểm."), to: item.id, version: nil,
                                      answeredBy: owner.personID, by: Actor(id: nil, name: owner.fullName), at: again)
            }
        } else if roll % 10 < 5, later < now {
            try await store.verdict(code: item.code, solved: true, newDue: item.due, notify: NotificationDraft(key: NotificationKey(.feedbackReopened,
                                    recordType: "feedback", recordID: item.id, occasion: "")), heads: [], at: later)
        }
    }
}
