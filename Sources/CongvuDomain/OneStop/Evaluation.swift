import Foundation

/// The citizen's answer at the counter.
public enum Satisfaction: String, CaseIterable, Codable, Sendable {
    case verySatisfied = "very_satisfied"
    case satisfied
    case notSatisfied = "not_satisfied"
}

/// Who may rate a dossier on the public page, without an account. One rating per dossier.
public enum RatingAccess: Equatable, Sendable {
    /// The link carries the dossier's tag: printed in the receipt's QR code, or opened at the
    /// counter's tablet by the officer. Any received dossier may then be rated.
    case receipt
    /// The code was typed: the dossier must have its result, and the citizen proves it is theirs
    /// with the last four digits of the ID number or phone given at intake.
    case lastDigits
    /// Neither: the code alone is guessable (codes are numbered per day).
    case none

    public enum Refusal: String, Error, Sendable {
        case alreadyRated = "rating_already_done"
        case notReceived = "rating_not_received"
        case notYetResolved = "rating_not_yet_resolved"
        case digitsWrong = "rating_digits_wrong"
    }

    /// Whether the dossier may be rated now. `digits` is what the citizen typed (with `lastDigits`);
    /// nil asks only whether the form may be offered, before anything is typed.
    public static func check(_ access: RatingAccess, status: DossierStatus, rated: Bool, digits: String?, idNumber: String, phone: String) throws(Refusal) {
        if rated { throw .alreadyRated }
        guard status.isReceived else { throw .notReceived }
        switch access {
        case .receipt: return
        case .lastDigits, .none:
            guard status.isResolved else { throw .notYetResolved }
            if let digits, !lastDigitsMatch(digits, idNumber: idNumber, phone: phone) { throw .digitsWrong }
        }
    }

    /// Exactly four digits, the end of the ID number or of the phone (spaces and dots ignored).
    public static func lastDigitsMatch(_ typed: String, idNumber: String, phone: String) -> Bool {
        let t = typed.filter(\.isNumber)
        guard t.count == 4, typed.allSatisfy({ $0.isNumber || $0 == " " }) else { return false }
        return [idNumber, phone].contains { known in
            let digits = known.filter(\.isNumber)
            return digits.count >= 4 && digits.hasSuffix(t)
        }
    }
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
