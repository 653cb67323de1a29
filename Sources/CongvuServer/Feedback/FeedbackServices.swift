import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird
import NIOCore

/// Citizens' feedback and petitions (issue 23): the register, its photos, the limit on what the
/// public may file, and the morning's escalation.
@dynamicMemberLookup
public struct FeedbackServices: FeatureServices {
    public let shared: SharedServices
    public let store: FeedbackStore
    /// Photos citizens attach, stored once by SHA-256 outside the web root, shown only to staff.
    let files: ContentFiles
    /// Feedback filed per address and minute (the public form and Open311).
    let limiter: RateLimiter
    /// Tracking pages and Open311 reads per address and minute, as the dossier tracking.
    let readLimiter: RateLimiter
    /// Satisfaction surveys: questionnaires and their anonymous responses.
    public let surveys: SurveyStore
    /// Open survey responses per address and minute (besides their proof of work).
    let surveyLimiter: RateLimiter
    /// Open311's lists as answered, by query and the register's stamp (never stale); a minute at
    /// most. A list of 1,000 is about 400 KB: a hundred of them at most.
    let publicLists = ExpiringCache<ByteBuffer>(lifetime: 60, capacity: 100)
    /// Answers that need work become tasks through the task mechanism.
    let taskServices: TaskServices

    init(shared: SharedServices, taskServices: TaskServices) {
        self.shared = shared
        self.taskServices = taskServices
        store = FeedbackStore(database: shared.database)
        files = ContentFiles(directory: shared.dataPath("feedback-photos"))
        limiter = RateLimiter(perMinute: shared.config.feedbackPerMinute)
        readLimiter = RateLimiter(perMinute: shared.config.trackingPerMinute)
        surveys = SurveyStore(database: shared.database)
        surveyLimiter = RateLimiter(perMinute: shared.config.feedbackPerMinute)
    }

    /// Units that take feedback from the public: committees, their departments and offices, the
    /// one-stop centres.
    static let receivingKinds: Set<UnitKind> = [.peoplesCommittee, .department, .office, .serviceCentre]

    /// At most this many photos, each at most this large, JPEG or PNG.
    static let maxPhotos = 3
    static let maxPhotoBytes = 5 * 1024 * 1024

    /// The photos of a form (`photo1`…`photo3`), checked by their bytes and stored.
    func photos(_ form: FormData) throws -> [String] {
        var out: [String] = []
        for i in 1...Self.maxPhotos {
            guard let file = form.files["photo\(i)"], !file.content.isEmpty else { continue }
            _ = try UploadedFile.accept(file.content, kinds: ["jpg", "png"], limit: Self.maxPhotoBytes, field: "photo\(i)", messages: "feedback_photo")
            out.append(try files.write(file.content))
        }
        return out
    }

    func calendar(_ unitID: Int64) async throws -> WorkCalendar {
        guard let c = try await shared.workCalendar(unitID: unitID) else { throw StoreError.notFound("unit") }
        return c
    }

    /// Files a draft with `unit`: checked against the categories, its deadlines from the unit's
    /// calendar, the office told.
    /// `categories`: as the caller already read them, if it did.
    func file(_ draft: FeedbackDraft, unit: OrgUnit, personID: Int64? = nil, boxOpeningID: Int64? = nil, client: String = "", mediaURL: String = "",
              photos: [String] = [], categories: [FeedbackCategory]? = nil,
              by actor: Actor, at now: Date = Date()) async throws -> FeedbackItem {
        let categories = if let categories { categories } else { try await store.categories() }
        let d = try draft.validated(categories: categories)
        let days = categories.first { $0.code == d.category }!.answerDays
        let calendar = try await calendar(unit.id), day = Day(now, in: CivilTime.vietnam)
        let filing = FeedbackStore.Filing(unitID: unit.id, at: now, due: try FeedbackClock.due(from: day, days: days, calendar: calendar),
                                          forwardBy: try FeedbackClock.forwardBy(received: day, calendar: calendar), personID: personID,
                                          boxOpeningID: boxOpeningID, client: client, mediaURL: mediaURL, photos: photos)
        let office = NotificationDraft(key: NotificationKey(.feedbackFiled, recordType: "feedback", recordID: 0, occasion: ""), unitID: unit.id,
                                       params: ["subject": "\(unit.name): \(String(d.description.prefix(80)))"])
        return try await store.file(d, filing, office: office, by: actor)
    }

    /// The answer's deadline for an item given to `unitID` today (forwarded or reopened).
    func due(_ item: FeedbackItem, unitID: Int64, at now: Date = Date()) async throws -> Day {
        let days = try await store.categories().first { $0.code == item.draft.category }?.answerDays ?? 15
        return try FeedbackClock.due(from: Day(now, in: CivilTime.vietnam), days: days, calendar: try await calendar(unitID))
    }

    /// The administrative levels above the one `unitID` belongs to, nearest first (a commune's
    /// province; the district in between in older data).
    func levels(above unitID: Int64) async throws -> [OrgUnit] {
        guard let unit = try await shared.units.get(unitID) else { return [] }
        let chain = try await shared.units.ancestors(of: unit) + [unit]
        let admin = chain.filter(\.kind.isAdministrative)
        return Array(admin.dropLast().reversed())
    }

    /// The receiving units of the commune (or province) `unit` belongs to: a committee's register
    /// read with its one-stop centre's, which stands beside it under the commune.
    func registerUnits(of unit: OrgUnit) async throws -> [OrgUnit] {
        let chain = try await shared.units.ancestors(of: unit) + [unit]
        let root = chain.last(where: \.kind.isAdministrative) ?? unit
        return try await shared.units.list(scopes: [root.path]).filter { Self.receivingKinds.contains($0.kind) }
    }

    /// The receiving units in the principal's scopes of `handleFeedback`.
    func handledUnits(_ p: Principal) async throws -> [OrgUnit] {
        let scopes = TaskServices.roots(p.scopes(for: .handleFeedback))
        guard !scopes.isEmpty else { return [] }
        return try await shared.units.list(scopes: scopes).filter { $0.isActive(on: shared.today) && Self.receivingKinds.contains($0.kind) }
    }

    /// Whether the principal handles the unit's register.
    static func handles(_ p: Principal, _ unit: OrgUnit) -> Bool { p.allows(.handleFeedback, at: unit.path) }

    /// Whether the principal reads the citizen's name and contact: the owner unit's handlers and
    /// the person it is assigned to, nobody else (not the level above it was escalated to).
    static func seesCitizen(_ p: Principal, _ item: FeedbackItem, owner: OrgUnit) -> Bool {
        handles(p, owner) || (p.personID != nil && p.personID == item.ownerID)
    }

    /// The morning's escalation: every open item past its next escalation day goes to the level
    /// above (its leaders told, and the owner unit's), with the category's time before it goes
    /// further; at the top it stays with the last level. Answered items nobody reopened within
    /// `closeAfter` days close. Returns how many items were escalated.
    @discardableResult
    func escalate(now: Date = Date()) async throws -> Int {
        let today = Day(now, in: CivilTime.vietnam)
        let categories = try await store.categories()
        var count = 0
        for item in try await store.escalationsDue(on: today) {
            let levels = try await levels(above: item.ownerUnitID)
            guard let target = FeedbackClock.escalationTarget(levels: levels.map(\.id), level: item.escalationLevel),
                  let owner = try await shared.units.get(item.ownerUnitID) else {
                try await store.stopEscalation(item.id)
                continue
            }
            let days = categories.first { $0.code == item.draft.category }?.answerDays ?? 15
            let further = FeedbackClock.escalationTarget(levels: levels.map(\.id), level: item.escalationLevel + 1) == nil ? nil
                : try FeedbackClock.nextEscalation(after: today, days: days, calendar: try await calendar(target))
            let people = try await store.heads(of: target) + store.heads(of: owner.id)
            let note = NotificationDraft(key: NotificationKey(.feedbackEscalated, recordType: "feedback", recordID: item.id, occasion: ""), unitID: target,
                                         params: ["subject": "\(item.code) · \(owner.name) · \(item.due.vietnamese)"])
            try await store.apply(.init(action: .escalate, ownerUnitID: target, due: further, notify: note, recipients: Array(Set(people))),
                                  to: item.id, version: nil, by: .system, at: now)
            count += 1
        }
        try await store.closeUnclaimed(answeredBefore: Day(now.addingTimeInterval(-Double(Self.closeAfter) * 86_400), in: CivilTime.vietnam), at: now)
        // Spent proofs of work are kept as long as a challenge is good, and a day more.
        try await surveys.forgetSpent(before: now.addingTimeInterval(-86_400))
        return count
    }

    /// Days a citizen has to say an answer did not solve the matter before the item closes.
    static let closeAfter = 30

    /// The feedback's part of the morning (07:30): escalation.
    var morning: NightlyJob {
        NightlyJob(name: "feedback escalation") { now in "feedback escalated \(try await escalate(now: now))" }
    }
}
