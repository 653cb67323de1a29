import Foundation

/// A number written with at most two decimals and kept in hundredths; stored and exchanged as
/// that text (`"68.32"`), so a framework's JSON reads as the decision printed it.
public protocol WrittenInHundredths: Codable, CustomStringConvertible {
    init?(_ text: String)
}

extension WrittenInHundredths {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(text) else { throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a number with two decimals: \(text)")) }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// Points as the frameworks write them, kept exactly in hundredths (`2.5` points is 250), so that
/// sums, floors and bands never depend on binary fractions (issue 24).
public struct Points: Sendable, Hashable, Comparable, WrittenInHundredths {
    public var hundredths: Int

    public init(hundredths: Int) { self.hundredths = hundredths }

    /// Points from their written form (`68.32`, `2,5`, `-1`); nil if it is not a number with at most two decimals.
    public init?(_ text: String) {
        let t = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".")
        let negative = t.hasPrefix("-")
        let digits = negative ? String(t.dropFirst()) : t
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard !digits.isEmpty, parts.count <= 2, parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }), !parts[0].isEmpty,
              parts.count == 1 || (1...2).contains(parts[1].count), let whole = Int(parts[0]), whole < 100_000 else { return nil }
        let fraction = parts.count == 2 ? Int(parts[1].padding(toLength: 2, withPad: "0", startingAt: 0))! : 0
        hundredths = (whole * 100 + fraction) * (negative ? -1 : 1)
    }

    public static let zero = Points(hundredths: 0)
    public static func + (a: Points, b: Points) -> Points { Points(hundredths: a.hundredths + b.hundredths) }
    public static func - (a: Points, b: Points) -> Points { Points(hundredths: a.hundredths - b.hundredths) }
    public static func < (a: Points, b: Points) -> Bool { a.hundredths < b.hundredths }

    /// `68.32`, `2.5`, `10`: as the frameworks print them.
    public var description: String {
        let sign = hundredths < 0 ? "-" : "", v = abs(hundredths)
        let fraction = v % 100
        if fraction == 0 { return "\(sign)\(v / 100)" }
        return fraction % 10 == 0 ? "\(sign)\(v / 100).\(fraction / 10)" : "\(sign)\(v / 100).\(String(format: "%02d", fraction))"
    }

    /// This share of `self`, rounded half up to a hundredth of a point.
    public func scaled(_ numerator: Int, over denominator: Int) -> Points {
        precondition(denominator > 0)
        return Points(hundredths: Self.divide(hundredths * numerator, denominator))
    }

    /// A division of integers rounded half away from zero.
    static func divide(_ a: Int, _ b: Int) -> Int {
        let q = (2 * abs(a) + abs(b)) / (2 * abs(b))
        return (a < 0) != (b < 0) ? -q : q
    }
}

/// A percentage kept in hundredths of a per cent (81.33 % is 8133).
public struct Percent: Sendable, Hashable, Comparable, WrittenInHundredths {
    public var hundredths: Int

    public init(hundredths: Int) { self.hundredths = hundredths }

    /// `a / b × 100 %`, rounded half up to a hundredth of a per cent.
    public init(_ a: Points, of b: Points) {
        precondition(b.hundredths > 0)
        hundredths = Points.divide(a.hundredths * 10_000, b.hundredths)
    }

    public init?(_ text: String) {
        guard let p = Points(text) else { return nil }
        hundredths = p.hundredths
    }

    public static func < (a: Percent, b: Percent) -> Bool { a.hundredths < b.hundredths }
    public var description: String { Points(hundredths: hundredths).description }
}

/// What the system measures from its own data, for a unit and a period (a share: a count of
/// records that meet the rule over the count of records it applies to). The store computes the
/// counts; a framework maps a sub-criterion to a measure with the thresholds that turn its value
/// into points. Each measure's definition is versioned with the framework that uses it.
public enum ReformMeasure: String, CaseIterable, Sendable, Codable {
    /// Procedures in force posted at the unit's counters (their notice board).
    case proceduresPosted = "procedures_posted"
    /// Dossiers settled on or before their due day, of those settled.
    case dossiersOnTime = "dossiers_on_time"
    /// Dossiers received online, of those received.
    case dossiersOnline = "dossiers_online"
    /// Overdue dossiers for which the citizen was sent the apology.
    case apologiesForOverdue = "apologies_for_overdue"
    /// Feedback answered by its deadline, of the feedback due in the period.
    case feedbackOnTime = "feedback_on_time"
    /// Tasks done by their deadline, of those due in the period.
    case tasksOnTime = "tasks_on_time"
    /// Civil servants in post with written duties.
    case dutiesWritten = "duties_written"
    /// Inspections carried out, of those planned for the period.
    case inspectionsAgainstPlan = "inspections_against_plan"
    /// Inspection recommendations closed by their deadline, of those due.
    case recommendationsClosed = "recommendations_closed"
    /// Working days without lateness or absence without notice, of the working days owed.
    case attendanceCompliance = "attendance_compliance"
    /// Citizen reception sessions held, of those the law asks of the unit's heads.
    case receptionKept = "reception_kept"
    /// Survey answers satisfied or very satisfied (SIPAS), of the answers.
    case surveySatisfaction = "survey_satisfaction"

    /// The latest definitions of the measures (what a framework's `measures_version` names). The
    /// first: the rules written beside each case.
    public static let definitions = 1
}

/// A measure's value: the records that meet the rule over those it applies to.
public struct MeasureValue: Sendable, Equatable, Codable {
    public var numerator: Int
    public var denominator: Int

    public init(_ numerator: Int, of denominator: Int) {
        self.numerator = numerator
        self.denominator = denominator
    }

    /// The share, nil when nothing applied (no dossier in the period: no value, not zero).
    public var share: Percent? {
        denominator > 0 ? Percent(hundredths: Points.divide(numerator * 10_000, denominator)) : nil
    }
}

/// How a measured share becomes points: in proportion to the maximum, or by steps (the first
/// step the share reaches gives its points). A measure with no value scores as the framework says
/// (`whenNothing`): usually the full points (nothing was late because nothing was due), or not
/// applicable.
public struct MeasureScoring: Sendable, Equatable, Codable {
    public struct Step: Sendable, Equatable, Codable {
        public var atLeast: Percent
        public var points: Points
        enum CodingKeys: String, CodingKey { case atLeast = "at_least", points }
        public init(atLeast: Percent, points: Points) {
            self.atLeast = atLeast
            self.points = points
        }
    }

    public enum WhenNothing: String, Sendable, Codable { case full, zero, notApplicable = "not_applicable" }

    public var measure: ReformMeasure
    /// Steps from the highest; empty: points in proportion to the share.
    public var steps: [Step]
    public var whenNothing: WhenNothing

    public init(measure: ReformMeasure, steps: [Step] = [], whenNothing: WhenNothing = .full) {
        self.measure = measure
        self.steps = steps
        self.whenNothing = whenNothing
    }

    /// The points a value earns on a sub-criterion worth `maximum`; nil: not applicable.
    public func points(_ value: MeasureValue, maximum: Points) -> Points? {
        guard let share = value.share else {
            switch whenNothing {
            case .full: return maximum
            case .zero: return .zero
            case .notApplicable: return nil
            }
        }
        if steps.isEmpty { return maximum.scaled(min(share.hundredths, 10_000), over: 10_000) }
        return steps.first { share >= $0.atLeast }?.points ?? .zero
    }
}
