import Foundation

/// The citizen's answer at the counter.
public enum Satisfaction: String, CaseIterable, Codable, Sendable {
    case verySatisfied = "very_satisfied"
    case satisfied
    case notSatisfied = "not_satisfied"
}

/// The nine indicators of a dossier's evaluation (Circular 01/2018), each scored 0, 1 or 2.
public enum EvaluationIndicator: String, CaseIterable, Codable, Sendable {
    case totalTime = "total_time"
    case unitTime = "unit_time"
    case contacts
    case agencies
    case oneStopHandles = "one_stop_handles"
    case disclosure
    case attitude
    case feedback
    case onlineProgress = "online_progress"
}

/// A dossier's scores; the total is at most 18.
public struct EvaluationScores: Equatable, Sendable {
    public var scores: [EvaluationIndicator: Int]

    public init(_ scores: [EvaluationIndicator: Int]) throws {
        var errors = ValidationErrors()
        for indicator in EvaluationIndicator.allCases {
            guard let s = scores[indicator] else { errors.add(indicator.rawValue, "required"); continue }
            if !(0...2).contains(s) { errors.add(indicator.rawValue, "number_out_of_range") }
        }
        try errors.throwIfAny()
        self.scores = scores
    }

    public var total: Int { scores.values.reduce(0, +) }
}

/// A classification band: a unit's quarterly average at or above `minimum` (strictly above when
/// `exclusive`) earns `key`. Bands are data, listed from the best down.
public struct EvaluationBand: Equatable, Codable, Sendable {
    public var key: String
    public var minimum: Double
    public var exclusive: Bool

    public init(key: String, minimum: Double, exclusive: Bool = false) {
        self.key = key
        self.minimum = minimum
        self.exclusive = exclusive
    }

    /// Circular 01/2018: excellent above 15, good 12–15, fair 9–12, average 6–9, weak below 6.
    public static let circular2018: [EvaluationBand] = [
        EvaluationBand(key: "excellent", minimum: 15, exclusive: true),
        EvaluationBand(key: "good", minimum: 12),
        EvaluationBand(key: "fair", minimum: 9),
        EvaluationBand(key: "average", minimum: 6),
        EvaluationBand(key: "weak", minimum: 0),
    ]

    /// The first band (best first) the score reaches.
    public static func classify(_ score: Double, bands: [EvaluationBand]) -> String? {
        bands.first { score > $0.minimum || (!$0.exclusive && score == $0.minimum) }?.key
    }
}

/// A unit's quarter: how many evaluations, their average total, its band, and the satisfaction counts.
public struct QuarterEvaluation: Equatable, Sendable {
    public var evaluations: Int
    public var average: Double?
    public var band: String?
    public var satisfaction: [Satisfaction: Int]

    public init(totals: [Int], satisfaction: [Satisfaction: Int], bands: [EvaluationBand]) {
        evaluations = totals.count
        average = totals.isEmpty ? nil : (Double(totals.reduce(0, +)) / Double(totals.count) * 100).rounded() / 100
        band = average.flatMap { EvaluationBand.classify($0, bands: bands) }
        self.satisfaction = satisfaction
    }

    /// Very satisfied or satisfied, in per cent of all answers.
    public var satisfiedRate: Double? {
        let all = satisfaction.values.reduce(0, +)
        guard all > 0 else { return nil }
        return Double((satisfaction[.verySatisfied] ?? 0) + (satisfaction[.satisfied] ?? 0)) * 100 / Double(all)
    }
}
