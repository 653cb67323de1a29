import Foundation

/// Where a year's assessment stands (issue 24): units assess themselves while it is open, the
/// council appraises once submissions close, and publication locks every point.
public enum ReformRoundStatus: String, CaseIterable, Sendable, Codable {
    /// Units self-assess the manual sub-criteria and submit, until the deadline.
    case open
    /// Submissions are closed; the council appraises, enters the survey, bonus and penalty.
    case appraising
    /// Published with the decision's number: results, ranks and points are locked.
    case published
}

/// One sub-criterion of one unit's assessment as it stands: the unit's own points and evidence,
/// the measured value, and the council's points with its reason.
public struct ReformEntry: Sendable, Equatable {
    public var selfPoints: Points?
    public var note: String
    /// Evidence files and links to records attached.
    public var evidence: Int
    /// The measure's value (live during the year, kept as published afterwards).
    public var measured: MeasureValue?
    public var councilPoints: Points?
    public var councilReason: String
    /// Declared not applicable to this unit by the council (its maximum leaves the unit's scale).
    public var notApplicable: Bool

    public init(selfPoints: Points? = nil, note: String = "", evidence: Int = 0, measured: MeasureValue? = nil, councilPoints: Points? = nil,
                councilReason: String = "", notApplicable: Bool = false) {
        self.selfPoints = selfPoints
        self.note = note
        self.evidence = evidence
        self.measured = measured
        self.councilPoints = councilPoints
        self.councilReason = councilReason
        self.notApplicable = notApplicable
    }
}

/// A unit's sheet: the points each sub-criterion stands at, from its entries.
public enum ReformSheet {
    /// What the unit or the measure proposes, before the council: the unit's own points for a manual
    /// sub-criterion, the measure's for a computed one (nil when the measure does not apply), for the
    /// survey its maximum in proportion to the satisfied answers of the system's own surveys (none
    /// without answers), and nothing for a bonus or penalty, which are the council's.
    public static func proposed(_ s: ReformFramework.SubCriterion, _ e: ReformEntry?) -> Points? {
        switch s.method {
        case .manual: return e?.selfPoints
        case .computed(let scoring): return e?.measured.flatMap { scoring.points($0, maximum: s.maximum) }
        case .survey: return e?.measured.flatMap { $0.denominator > 0 ? s.maximum.scaled(min($0.numerator, $0.denominator), over: $0.denominator) : nil }
        case .bonus, .penalty: return nil
        }
    }

    /// Whether a computed sub-criterion's measure found nothing it applies to and the framework
    /// says that makes it not applicable.
    static func measuredNotApplicable(_ s: ReformFramework.SubCriterion, _ e: ReformEntry?) -> Bool {
        guard case .computed(let scoring) = s.method, let m = e?.measured else { return false }
        return scoring.points(m, maximum: s.maximum) == nil
    }

    /// The points as they stand: the council's where it gave them, else what is proposed.
    public static func points(_ s: ReformFramework.SubCriterion, _ e: ReformEntry?) -> Points? {
        e?.councilPoints ?? proposed(s, e)
    }

    /// The scores the index is computed from.
    public static func scores(_ f: ReformFramework, entries: [String: ReformEntry]) -> ReformScores {
        var out = ReformScores()
        for s in f.subCriteria {
            let e = entries[s.code]
            if e?.notApplicable == true || measuredNotApplicable(s, e) { out.notApplicable.insert(s.code) }
            if let p = points(s, e) { out.points[s.code] = p }
        }
        return out
    }

    /// What a sub-criterion stands to lose: its maximum less the points it stands at, for the
    /// applicable ones on the scale, largest first (the live view's "points at risk").
    public static func atRisk(_ f: ReformFramework, group: String, entries: [String: ReformEntry]) -> [(code: String, points: Points)] {
        let scores = scores(f, entries: entries)
        return f.subCriteria.compactMap { s -> (code: String, points: Points)? in
            guard s.method.onScale, s.applies(to: group), !scores.notApplicable.contains(s.code) else { return nil }
            let lost = s.maximum - max(.zero, min(scores.points[s.code] ?? .zero, s.maximum))
            return lost > .zero ? (s.code, lost) : nil
        }.sorted { $0.points != $1.points ? $0.points > $1.points : $0.code < $1.code }
    }

    /// The index over what is scored so far during the year: the applicable sub-criteria on the
    /// scale that stand at some points (the unit's, the measure's or the council's), over their
    /// maximum; nil while nothing is scored. Beside the index over the whole scale, it tells how
    /// the unit is doing before the survey and the rest are in.
    public static func scoredSoFar(_ f: ReformFramework, group: String, entries: [String: ReformEntry]) -> (index: Percent, points: Points, maximum: Points)? {
        let scores = scores(f, entries: entries)
        var points = Points.zero, maximum = Points.zero
        for s in f.subCriteria where s.method.onScale && s.applies(to: group) && !scores.notApplicable.contains(s.code) {
            guard let p = scores.points[s.code] else { continue }
            points = points + max(.zero, min(p, s.maximum))
            maximum = maximum + s.maximum
        }
        return maximum > .zero ? (Percent(points, of: maximum), points, maximum) : nil
    }

    /// A unit may submit when every applicable manual sub-criterion has its points, with evidence
    /// where the framework asks it for points above zero; otherwise the codes still wanting.
    public static func missing(_ f: ReformFramework, group: String, entries: [String: ReformEntry]) -> [String] {
        f.subCriteria.filter { s in
            guard s.method == .manual, s.applies(to: group), entries[s.code]?.notApplicable != true else { return false }
            guard let e = entries[s.code], let p = e.selfPoints else { return true }
            return s.evidenceRequired && p > .zero && e.evidence == 0
        }.map(\.code)
    }
}
