import Foundation

/// One version of a reform-index framework (issue 24): what an issuing body (a province's Home
/// Affairs department, a commune's committee) scores its units on in a year. Areas hold criteria,
/// criteria hold sub-criteria, each with its maximum points and how it is scored; the bands that
/// classify an index, and the rule that breaks ties in a ranking. Stored as data, dated, never
/// edited once units have scored against it: a change is a new version.
public struct ReformFramework: Sendable, Equatable, Codable {
    public var code: String
    public var version: Int
    public var year: Int
    public var issuer: String
    public var title: String
    /// Shipped to show what a framework looks like, not any body's decision.
    public var isExample: Bool
    /// The peer groups units are ranked within (`commune`, `ward`, `department`).
    public var peerGroups: [String]
    public var areas: [Area]
    /// Bands from the highest; the first a result meets classifies it.
    public var bands: [Band]
    public var tieBreak: TieBreak
    /// The definitions of the computed measures this version was written against: a later change
    /// of a measure's rule is a new definition, and a year scored on this version is recomputed the
    /// same way at any later time.
    public var measuresVersion: Int
    /// A sub-criterion earning less than this share of its maximum is weak: the publication gives
    /// the unit a remediation task for it.
    public var remediationBelow: Percent

    public init(code: String, version: Int, year: Int, issuer: String, title: String, isExample: Bool = false, peerGroups: [String],
                areas: [Area], bands: [Band], tieBreak: TieBreak = .surveyPoints, measuresVersion: Int = ReformMeasure.definitions,
                remediationBelow: Percent = Percent(hundredths: 5000)) {
        self.code = code
        self.version = version
        self.year = year
        self.issuer = issuer
        self.title = title
        self.isExample = isExample
        self.peerGroups = peerGroups
        self.areas = areas
        self.bands = bands
        self.tieBreak = tieBreak
        self.measuresVersion = measuresVersion
        self.remediationBelow = remediationBelow
    }

    enum CodingKeys: String, CodingKey {
        case code, version, year, issuer, title, areas, bands
        case isExample = "is_example", peerGroups = "peer_groups", tieBreak = "tie_break", measuresVersion = "measures_version"
        case remediationBelow = "remediation_below"
    }

    /// `is_example`, `tie_break`, `measures_version` and `remediation_below` may be left out (not an
    /// example; the survey breaks ties; today's measures; weak below half the maximum).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(code: try c.decode(String.self, forKey: .code), version: try c.decode(Int.self, forKey: .version), year: try c.decode(Int.self, forKey: .year),
                  issuer: try c.decode(String.self, forKey: .issuer), title: try c.decode(String.self, forKey: .title),
                  isExample: try c.decodeIfPresent(Bool.self, forKey: .isExample) ?? false, peerGroups: try c.decode([String].self, forKey: .peerGroups),
                  areas: try c.decode([Area].self, forKey: .areas), bands: try c.decode([Band].self, forKey: .bands),
                  tieBreak: try c.decodeIfPresent(TieBreak.self, forKey: .tieBreak) ?? .surveyPoints,
                  measuresVersion: try c.decodeIfPresent(Int.self, forKey: .measuresVersion) ?? ReformMeasure.definitions,
                  remediationBelow: try c.decodeIfPresent(Percent.self, forKey: .remediationBelow) ?? Percent(hundredths: 5000))
    }

    public struct Area: Sendable, Equatable, Codable {
        public var code: String
        public var name: String
        public var criteria: [Criterion]
        public init(code: String, name: String, criteria: [Criterion]) {
            self.code = code
            self.name = name
            self.criteria = criteria
        }
    }

    public struct Criterion: Sendable, Equatable, Codable {
        public var code: String
        public var name: String
        public var items: [SubCriterion]
        public init(code: String, name: String, items: [SubCriterion]) {
            self.code = code
            self.name = name
            self.items = items
        }
    }

    public struct SubCriterion: Sendable, Equatable, Codable {
        public var code: String
        public var name: String
        public var maximum: Points
        public var method: Method
        /// Peer groups it applies to; empty: every group. Elsewhere it is not applicable and the
        /// unit's maximum is lower by its points.
        public var appliesTo: [String]
        /// A self-assessed score above zero needs evidence (a file or a link to a record).
        public var evidenceRequired: Bool

        public init(code: String, name: String, maximum: Points, method: Method, appliesTo: [String] = [], evidenceRequired: Bool = false) {
            self.code = code
            self.name = name
            self.maximum = maximum
            self.method = method
            self.appliesTo = appliesTo
            self.evidenceRequired = evidenceRequired
        }

        public func applies(to group: String) -> Bool { appliesTo.isEmpty || appliesTo.contains(group) }

        enum CodingKeys: String, CodingKey {
            case code, name, maximum, method
            case appliesTo = "applies_to", evidenceRequired = "evidence_required"
        }

        /// `applies_to` and `evidence_required` may be left out (every group; no evidence asked).
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(code: try c.decode(String.self, forKey: .code), name: try c.decode(String.self, forKey: .name),
                      maximum: try c.decode(Points.self, forKey: .maximum), method: try c.decode(Method.self, forKey: .method),
                      appliesTo: try c.decodeIfPresent([String].self, forKey: .appliesTo) ?? [],
                      evidenceRequired: try c.decodeIfPresent(Bool.self, forKey: .evidenceRequired) ?? false)
        }
    }

    public enum Method: Sendable, Equatable, Codable {
        /// Self-assessed with evidence, appraised by the council.
        case manual
        /// Computed from the system's data.
        case computed(MeasureScoring)
        /// Points from the sociological survey (entered or computed from the surveys).
        case survey
        /// Added to the total, up to the maximum (a reward the framework names); outside the scale.
        case bonus
        /// Taken from the total, up to the maximum (a violation the framework names); outside the scale.
        case penalty

        enum CodingKeys: String, CodingKey { case kind, measure, steps, whenNothing = "when_nothing" }

        /// Written as the import files write it: `{"kind": "computed", "measure": "dossiers_on_time",
        /// "steps": [{"at_least": "95", "points": "4"}], "when_nothing": "full"}`, or `{"kind": "manual"}`.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            switch try c.decode(String.self, forKey: .kind) {
            case "manual": self = .manual
            case "survey": self = .survey
            case "bonus": self = .bonus
            case "penalty": self = .penalty
            case "computed":
                self = .computed(MeasureScoring(measure: try c.decode(ReformMeasure.self, forKey: .measure),
                                                steps: try c.decodeIfPresent([MeasureScoring.Step].self, forKey: .steps) ?? [],
                                                whenNothing: try c.decodeIfPresent(MeasureScoring.WhenNothing.self, forKey: .whenNothing) ?? .full))
            case let other:
                throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown scoring method \(other)")
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .manual: try c.encode("manual", forKey: .kind)
            case .survey: try c.encode("survey", forKey: .kind)
            case .bonus: try c.encode("bonus", forKey: .kind)
            case .penalty: try c.encode("penalty", forKey: .kind)
            case .computed(let m):
                try c.encode("computed", forKey: .kind)
                try c.encode(m.measure, forKey: .measure)
                if !m.steps.isEmpty { try c.encode(m.steps, forKey: .steps) }
                try c.encode(m.whenNothing, forKey: .whenNothing)
            }
        }

        /// Bonus and penalty move the total but are not part of the maximum the index divides by.
        public var onScale: Bool {
            switch self {
            case .bonus, .penalty: false
            default: true
            }
        }
    }

    /// A classification: an index at least `minimum`, and, when the framework says so, no
    /// applicable criterion below `criterionFloor` of its own maximum.
    public struct Band: Sendable, Equatable, Codable {
        public var code: String
        public var name: String
        public var minimum: Percent
        public var criterionFloor: Percent?
        enum CodingKeys: String, CodingKey { case code, name, minimum, criterionFloor = "criterion_floor" }
        public init(code: String, name: String, minimum: Percent, criterionFloor: Percent? = nil) {
            self.code = code
            self.name = name
            self.minimum = minimum
            self.criterionFloor = criterionFloor
        }
    }

    /// How equal indices are ordered: by the survey's points, then sharing the rank; or sharing it at once.
    public enum TieBreak: String, Sendable, Codable { case surveyPoints = "survey_points", shared }

    public var subCriteria: [SubCriterion] { areas.flatMap { $0.criteria.flatMap(\.items) } }

    /// The scale's maximum for a peer group: every applicable sub-criterion on the scale.
    public func maximum(for group: String) -> Points {
        subCriteria.filter { $0.method.onScale && $0.applies(to: group) }.reduce(.zero) { $0 + $1.maximum }
    }

    /// The framework checked as a whole: codes unique and present, maxima positive, peer groups
    /// named, bands from the highest down to one that takes every index.
    public func validated() throws -> ReformFramework {
        var errors = ValidationErrors()
        if code.tidied.isEmpty { errors.add("code", "required") }
        if title.tidied.isEmpty { errors.add("title", "required") }
        if !(2000...2100).contains(year) { errors.add("year", "reform_year") }
        if version < 1 { errors.add("version", "reform_version") }
        if !(1...ReformMeasure.definitions).contains(measuresVersion) { errors.add("measures_version", "reform_measures_version") }
        if !(0...10_000).contains(remediationBelow.hundredths) { errors.add("remediation_below", "reform_remediation") }
        if peerGroups.isEmpty || Set(peerGroups).count != peerGroups.count { errors.add("peer_groups", "reform_peer_groups") }
        let codes = areas.map(\.code) + areas.flatMap { $0.criteria.map(\.code) } + subCriteria.map(\.code)
        if codes.contains(where: { $0.tidied.isEmpty }) || Set(codes).count != codes.count { errors.add("areas", "reform_codes") }
        if areas.isEmpty || areas.contains(where: { $0.criteria.isEmpty }) || areas.contains(where: { $0.criteria.contains { $0.items.isEmpty } }) {
            errors.add("areas", "reform_empty")
        }
        for s in subCriteria {
            if s.maximum <= .zero { errors.add(s.code, "reform_maximum") }
            if !s.appliesTo.allSatisfy(peerGroups.contains) { errors.add(s.code, "reform_peer_groups") }
            if case .computed(let scoring) = s.method {
                if scoring.steps.contains(where: { $0.points > s.maximum || $0.points < .zero })
                    || zip(scoring.steps, scoring.steps.dropFirst()).contains(where: { $0.atLeast <= $1.atLeast || $0.points < $1.points }) {
                    errors.add(s.code, "reform_steps")
                }
            }
        }
        if peerGroups.contains(where: { maximum(for: $0) <= .zero }) { errors.add("areas", "reform_empty") }
        if bands.isEmpty || zip(bands, bands.dropFirst()).contains(where: { $0.minimum <= $1.minimum }) || bands.last?.minimum != Percent(hundredths: 0) {
            errors.add("bands", "reform_bands")
        }
        try errors.throwIfAny()
        return self
    }
}

/// One unit's points on a framework: a score per sub-criterion (none yet: nothing earned), and
/// which were declared not applicable with the council's agreement.
public struct ReformScores: Sendable, Equatable, Codable {
    public var points: [String: Points]
    public var notApplicable: Set<String>

    public init(points: [String: Points] = [:], notApplicable: Set<String> = []) {
        self.points = points
        self.notApplicable = notApplicable
    }
}

/// A unit's index on a framework: points over the applicable maximum, by area and criterion, the
/// band it falls in and the criteria that kept it out of a higher one.
public struct ReformResult: Sendable, Equatable {
    public struct Part: Sendable, Equatable {
        public var code: String
        public var points: Points
        public var maximum: Points
        /// Points over maximum; nil when nothing of it applies.
        public var share: Percent? { maximum > .zero ? Percent(points, of: maximum) : nil }
    }

    public var points: Points
    public var maximum: Points
    public var index: Percent
    public var survey: Points
    public var bonus: Points
    public var penalty: Points
    public var areas: [Part]
    public var criteria: [Part]
    public var band: ReformFramework.Band?
    /// Criteria below the floor of a band whose minimum the index reached (why it was not that band).
    public var belowFloor: [String]

    /// Scores `scores` for a unit of `group`. A score above its sub-criterion's maximum counts as
    /// the maximum (the assessment refuses it before; an older framework's data cannot exceed it).
    public init(_ f: ReformFramework, group: String, scores: ReformScores) {
        func applies(_ s: ReformFramework.SubCriterion) -> Bool { s.applies(to: group) && !scores.notApplicable.contains(s.code) }
        func earned(_ s: ReformFramework.SubCriterion) -> Points { max(.zero, min(scores.points[s.code] ?? .zero, s.maximum)) }
        var criteria: [Part] = [], areas: [Part] = []
        var points = Points.zero, maximum = Points.zero, survey = Points.zero, bonus = Points.zero, penalty = Points.zero
        for area in f.areas {
            var areaPart = Part(code: area.code, points: .zero, maximum: .zero)
            for criterion in area.criteria {
                var part = Part(code: criterion.code, points: .zero, maximum: .zero)
                for s in criterion.items where applies(s) {
                    switch s.method {
                    case .bonus: bonus = bonus + earned(s)
                    case .penalty: penalty = penalty + earned(s)
                    case .survey:
                        survey = survey + earned(s)
                        fallthrough
                    case .manual, .computed:
                        part.points = part.points + earned(s)
                        part.maximum = part.maximum + s.maximum
                    }
                }
                criteria.append(part)
                areaPart.points = areaPart.points + part.points
                areaPart.maximum = areaPart.maximum + part.maximum
            }
            areas.append(areaPart)
            points = points + areaPart.points
            maximum = maximum + areaPart.maximum
        }
        let total = max(.zero, min(points + bonus - penalty, maximum))
        self.points = total
        self.maximum = maximum
        index = maximum > .zero ? Percent(total, of: maximum) : Percent(hundredths: 0)
        self.survey = survey
        self.bonus = bonus
        self.penalty = penalty
        self.areas = areas
        self.criteria = criteria
        var below: [String] = []
        band = nil
        for b in f.bands where index >= b.minimum {
            let low = criteria.filter { c in b.criterionFloor.map { floor in c.share.map { $0 < floor } ?? false } ?? false }.map(\.code)
            if low.isEmpty { band = b; break }
            if below.isEmpty { below = low }
        }
        belowFloor = below
    }
}

/// Units ranked within their peer group by index, highest first; equal indices ordered by the
/// framework's rule. Competition ranking: two units sharing the 3rd place are followed by the 5th.
public enum ReformRanking {
    public struct Entry: Sendable, Equatable {
        public var unitID: Int64
        public var index: Percent
        public var survey: Points
        public var rank: Int
        /// How many were ranked (the "/21" of "15/21").
        public var of: Int
        public init(unitID: Int64, index: Percent, survey: Points, rank: Int = 0, of: Int = 0) {
            self.unitID = unitID
            self.index = index
            self.survey = survey
            self.rank = rank
            self.of = of
        }
    }

    public static func rank(_ results: [(unitID: Int64, result: ReformResult)], tieBreak: ReformFramework.TieBreak) -> [Entry] {
        func key(_ e: Entry) -> (Int, Int) { (e.index.hundredths, tieBreak == .surveyPoints ? e.survey.hundredths : 0) }
        let sorted = results.map { Entry(unitID: $0.unitID, index: $0.result.index, survey: $0.result.survey) }
            .sorted { key($0) != key($1) ? key($0) > key($1) : $0.unitID < $1.unitID }
        var out: [Entry] = []
        for (i, e) in sorted.enumerated() {
            var e = e
            e.rank = i > 0 && key(out[i - 1]) == key(e) ? out[i - 1].rank : i + 1
            e.of = sorted.count
            out.append(e)
        }
        return out
    }
}

/// The yearly workflow's rules on one score: what a unit may self-assess, and what the council's
/// appraisal needs.
public enum ReformAssessmentRules {
    /// A unit's own score of a sub-criterion: only manual ones (the computed fill themselves, the
    /// survey and bonus or penalty are the council's), between zero and the maximum, with evidence
    /// where the framework asks it, and on or before the deadline.
    public static func selfAssessed(_ points: Points, of s: ReformFramework.SubCriterion, evidence: Int, on day: Day, deadline: Day) throws {
        var errors = ValidationErrors()
        if day > deadline { errors.add("points", "reform_after_deadline") }
        if s.method != .manual { errors.add("points", "reform_not_self_assessed") }
        if points < .zero { errors.add("points", "reform_points_negative") }
        if points > s.maximum { errors.add("points", "reform_points_above_maximum") }
        if s.evidenceRequired && points > .zero && evidence == 0 { errors.add("evidence", "reform_evidence_required") }
        try errors.throwIfAny()
    }

    /// The council's points for a sub-criterion: any method, within zero and the maximum, and a
    /// change from what the unit (or the measure) gave always with its reason.
    public static func appraised(_ points: Points, of s: ReformFramework.SubCriterion, before: Points?, reason: String) throws {
        var errors = ValidationErrors()
        if points < .zero { errors.add("points", "reform_points_negative") }
        if points > s.maximum { errors.add("points", "reform_points_above_maximum") }
        if points != (before ?? .zero) && reason.tidied.count < 5 { errors.add("reason", "reform_reason_required") }
        try errors.throwIfAny()
    }
}

extension ReformResult {
    /// Sub-criteria worth remedying: applicable, on the scale, earning less than `floor` of their
    /// maximum (each becomes a remediation task).
    public static func weak(_ f: ReformFramework, group: String, scores: ReformScores, floor: Percent) -> [ReformFramework.SubCriterion] {
        f.subCriteria.filter { s in
            guard s.method.onScale, s.applies(to: group), !scores.notApplicable.contains(s.code) else { return false }
            let earned = max(.zero, min(scores.points[s.code] ?? .zero, s.maximum))
            return Percent(earned, of: s.maximum) < floor
        }
    }
}
