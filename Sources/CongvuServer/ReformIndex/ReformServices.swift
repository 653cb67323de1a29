import CongvuDomain
import CongvuStore
import Foundation

/// The administrative-reform index (issue 24): frameworks, the yearly rounds, the measures computed
/// from every feature's data, and the remediation tasks publication hands out.
@dynamicMemberLookup
public struct ReformServices: FeatureServices {
    public let shared: SharedServices
    public let store: ReformStore
    public let measures: ReformMeasures
    /// Remediation tasks go through the task mechanism; evidence files are kept in its file store.
    let taskServices: TaskServices

    init(shared: SharedServices, taskServices: TaskServices) {
        self.shared = shared
        self.taskServices = taskServices
        store = ReformStore(database: shared.database)
        measures = ReformMeasures(database: shared.database)
    }

    /// The example framework shipped with the server (clearly marked as an example), as data.
    static func example() throws -> ReformFramework {
        let data = try Data(contentsOf: URL(fileURLWithPath: Resources.path("reform/vi-du-xa-2026.json")))
        return try JSONDecoder().decode(ReformFramework.self, from: data)
    }

    /// The peer group a unit is ranked in by default: communes, wards, departments.
    static func group(of unit: OrgUnit, in f: ReformFramework) -> String {
        let guess = switch unit.kind {
        case .ward: "ward"
        case .commune, .specialZone: "commune"
        default: "department"
        }
        return f.peerGroups.contains(guess) ? guess : f.peerGroups[0]
    }

    /// Each participant's measured values by sub-criterion code: what the round keeps once closed,
    /// computed today while it is open.
    func measured(_ round: ReformRound, _ participants: [ReformParticipant]) async throws -> [Int64: [String: MeasureValue]] {
        let f = round.framework.framework
        // Computed sub-criteria by their measure; the survey's by the system's own satisfaction surveys.
        let computed = f.subCriteria.compactMap { s -> (item: ReformFramework.SubCriterion, measure: ReformMeasure)? in
            switch s.method {
            case .computed(let scoring): return (s, scoring.measure)
            case .survey: return (s, .surveySatisfaction)
            default: return nil
            }
        }
        guard !computed.isEmpty else { return [:] }
        // The participants' units in one read (their subtrees' roots), not one by one.
        let wanted = Set(participants.map(\.unitID))
        let units = try await shared.units.list(scopes: TaskServices.roots(participants.map(\.unitPath))).filter { wanted.contains($0.id) }
        let values = try await measures.values(Set(computed.map(\.measure)), units: units, period: .year(f.year, today: shared.today), version: f.measuresVersion)
        var out: [Int64: [String: MeasureValue]] = [:]
        for p in participants {
            for c in computed where c.item.applies(to: p.group) { out[p.unitID, default: [:]][c.item.code] = values[p.unitID]?[c.measure] }
        }
        return out
    }

    /// A unit's entries as they stand: while the round is open the measures are live, afterwards
    /// they are the values the round kept.
    func entries(_ round: ReformRound, _ participant: ReformParticipant) async throws -> [String: ReformEntry] {
        var entries = try await store.entries(roundID: round.id, unitID: participant.unitID)
        if round.status == .open {
            for (code, v) in try await measured(round, [participant])[participant.unitID] ?? [:] { entries[code, default: ReformEntry()].measured = v }
        }
        return entries
    }

    /// The remediation tasks of a publication: for each unit, each weak sub-criterion becomes a task
    /// for the head of the unit's People's Committee (or of the unit), due three months on.
    func remediation(_ round: ReformRound, decisionDay: Day, assignerID: Int64?) async throws -> [WorkTask] {
        let f = round.framework.framework
        var tasks: [WorkTask] = []
        let start = max(decisionDay, shared.today)
        var due = start
        for _ in 0..<90 { due = due.next }
        for s in try await store.standings(roundID: round.id) {
            guard let unit = try await shared.units.get(s.participant.unitID) else { continue }
            let entries = try await store.entries(roundID: round.id, unitID: unit.id)
            let weak = ReformResult.weak(f, group: s.participant.group, scores: ReformSheet.scores(f, entries: entries), floor: f.remediationBelow)
            guard !weak.isEmpty, let head = try await head(of: unit) else { continue }
            let staff = try await taskServices.staff(of: [unit])
            for w in weak {
                let earned = ReformSheet.points(w, entries[w.code]) ?? .zero
                tasks.append(try await taskServices.task(
                    title: "\(f.year) · \(w.code) \(w.name)", content: "\(f.title) (\(round.decisionNumber.isEmpty ? "" : round.decisionNumber)): \(earned)/\(w.maximum)",
                    source: TaskSource(kind: .reform, reference: "\(f.code)/\(f.version) \(w.code)", date: decisionDay, recordType: "reform_round", recordID: round.id),
                    owner: head.personID, due: due.description, assignerID: assignerID ?? head.personID, staff: staff))
            }
        }
        return tasks
    }

    /// Who answers for a unit: a leader of its People's Committee (the first posted), or of the unit itself.
    func head(of unit: OrgUnit) async throws -> StaffPost? {
        let committee = unit.kind == .peoplesCommittee ? unit
            : try await shared.units.children(of: unit.id).first { $0.kind == .peoplesCommittee && $0.isActive(on: shared.today) } ?? unit
        return try await taskServices.staff(of: [committee]).filter { $0.isLeader && $0.unitID == committee.id }.min { $0.personID < $1.personID }
    }
}

extension ReformServices {
    /// Where a unit stands in a round it (or the commune above it) takes part in.
    struct UnitStanding {
        var round: ReformRound
        var participant: ReformParticipant
        var published: ReformPublished?
        /// Open or in appraisal: the index as it stands (`live`: with today's measures).
        var projected: ReformResult?
        var scoredSoFar: (index: Percent, points: Points, maximum: Points)?
        /// Manual sub-criteria the unit has scored, of those that apply.
        var assessed: Int
        var manual: Int
    }

    /// The latest rounds of `unit` or of the nearest unit above it that takes part (a committee's
    /// commune), newest first; `live` computes the measures of open rounds (one unit's queries).
    func standings(of unit: OrgUnit, live: Bool, limit: Int = 2) async throws -> [UnitStanding] {
        var chain = [unit]
        chain += try await shared.units.ancestors(of: unit).reversed()
        for u in chain {
            let rounds = try await store.rounds(unitID: u.id)
            guard !rounds.isEmpty else { continue }
            var out: [UnitStanding] = []
            for (round, _) in rounds.prefix(limit) {
                guard let participant = try await store.participants(roundID: round.id).first(where: { $0.unitID == u.id }) else { continue }
                let f = round.framework.framework
                let entries = live ? try await entries(round, participant) : try await store.entries(roundID: round.id, unitID: u.id)
                let manual = f.subCriteria.filter { $0.method == .manual && $0.applies(to: participant.group) }
                var s = UnitStanding(round: round, participant: participant, assessed: manual.filter { entries[$0.code]?.selfPoints != nil }.count, manual: manual.count)
                if round.status == .published {
                    s.published = try await store.published(roundID: round.id).first { $0.unitID == u.id }
                } else {
                    s.projected = ReformResult(f, group: participant.group, scores: ReformSheet.scores(f, entries: entries))
                    s.scoredSoFar = ReformSheet.scoredSoFar(f, group: participant.group, entries: entries)
                }
                out.append(s)
            }
            return out
        }
        return []
    }
}
