import Foundation

// Satisfaction surveys (issue 23): questionnaires kept as versioned data, the ready SIPAS-style one
// over its five elements and one on officials' attitude, answers checked against the version they
// answer, and the statistics leaders read (means and shares with 95 % intervals, nothing about one
// official below a minimum number of responses).

/// The five elements of the Ministry of Home Affairs' SIPAS index.
public enum SIPASElement: String, CaseIterable, Codable, Sendable {
    case access, procedure, official, result, feedback
}

/// A question: a five-point scale (1 very dissatisfied … 5 very satisfied) or free text.
public struct SurveyQuestion: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case scale, text }
    public var code: String
    public var kind: Kind
    /// The SIPAS element a scale question measures (nil for the attitude survey and for text).
    public var element: SIPASElement?
    public var textVi: String
    public var textEn: String
    public var required: Bool

    public init(code: String, kind: Kind = .scale, element: SIPASElement? = nil, textVi: String, textEn: String, required: Bool = true) {
        self.code = code
        self.kind = kind
        self.element = element
        self.textVi = textVi
        self.textEn = textEn
        self.required = required
    }

    public func text(_ locale: String) -> String { locale == "en" ? textEn : textVi }
}

/// A questionnaire: a code and a version (a changed wording is a new version; answers keep the one
/// they answered), its title and questions, and whether it names the official it is about.
public struct Questionnaire: Codable, Sendable, Equatable {
    public var code: String
    public var version: Int
    public var titleVi: String
    public var titleEn: String
    public var aboutOfficial: Bool
    public var questions: [SurveyQuestion]

    public init(code: String, version: Int, titleVi: String, titleEn: String, aboutOfficial: Bool = false, questions: [SurveyQuestion]) {
        self.code = code
        self.version = version
        self.titleVi = titleVi
        self.titleEn = titleEn
        self.aboutOfficial = aboutOfficial
        self.questions = questions
    }

    public func title(_ locale: String) -> String { locale == "en" ? titleEn : titleVi }

    /// The questionnaire checked as data: codes unique and plain, scale questions only on the scale.
    public func validated() throws -> Questionnaire {
        var errors = ValidationErrors()
        if code.isEmpty || !code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) { errors.add("code", "survey_code") }
        if version < 1 { errors.add("version", "number_out_of_range") }
        if questions.isEmpty || Set(questions.map(\.code)).count != questions.count { errors.add("questions", "survey_questions") }
        if questions.contains(where: { $0.textVi.tidied.isEmpty }) { errors.add("questions", "survey_questions") }
        try errors.throwIfAny()
        return self
    }

    /// The answers a respondent gave, checked: each scale answer 1–5, text at most 1,000 characters,
    /// every required question answered, nothing for a question the version does not have.
    public func check(_ answers: [String: String]) throws -> [String: String] {
        var errors = ValidationErrors(), out: [String: String] = [:]
        for (k, _) in answers where !questions.contains(where: { $0.code == k }) { errors.add(k, "survey_unknown_question") }
        for q in questions {
            let a = (answers[q.code] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if a.isEmpty {
                if q.required { errors.add(q.code, "required") }
                continue
            }
            switch q.kind {
            case .scale:
                guard let v = Int(a), (1...5).contains(v) else { errors.add(q.code, "survey_scale"); continue }
                out[q.code] = String(v)
            case .text:
                guard a.count <= 1_000 else { errors.add(q.code, "too_long"); continue }
                out[q.code] = a
            }
        }
        try errors.throwIfAny()
        return out
    }

    /// The ready SIPAS-style questionnaire (Decision 1001/QĐ-BNV's five elements), two questions each.
    public static let sipas = Questionnaire(code: "sipas", version: 1, titleVi: "Khảo sát sự hài lòng về dịch vụ hành chính công",
                                            titleEn: "Satisfaction with public administrative services", questions: [
        .init(code: "access_place", element: .access, textVi: "Nơi tiếp nhận hồ sơ dễ tìm, đủ chỗ ngồi, tiện nghi", textEn: "The counter was easy to find and comfortable"),
        .init(code: "access_info", element: .access, textVi: "Thông tin về thủ tục được niêm yết, dễ tiếp cận", textEn: "Information on the procedure was posted and easy to reach"),
        .init(code: "procedure_papers", element: .procedure, textVi: "Thành phần hồ sơ đúng như niêm yết, không phải nộp thêm", textEn: "The papers asked were those posted, nothing more"),
        .init(code: "procedure_fee", element: .procedure, textVi: "Phí, lệ phí đúng quy định, không có khoản ngoài", textEn: "Fees were as set, nothing beyond"),
        .init(code: "official_attitude", element: .official, textVi: "Công chức lịch sự, tôn trọng, nhiệt tình", textEn: "The official was polite, respectful and helpful"),
        .init(code: "official_guidance", element: .official, textVi: "Công chức hướng dẫn kê khai đầy đủ, dễ hiểu, một lần", textEn: "The official explained fully, clearly, once"),
        .init(code: "result_time", element: .result, textVi: "Kết quả được trả đúng hẹn", textEn: "The result came on the day promised"),
        .init(code: "result_correct", element: .result, textVi: "Kết quả đúng quy định, thông tin chính xác", textEn: "The result was lawful and its details correct"),
        .init(code: "feedback_way", element: .feedback, textVi: "Có cách thức để góp ý, phản ánh, kiến nghị", textEn: "There was a way to give feedback"),
        .init(code: "feedback_answer", element: .feedback, textVi: "Góp ý, phản ánh được tiếp nhận và trả lời kịp thời", textEn: "Feedback was received and answered in time", required: false),
        .init(code: "comment", kind: .text, textVi: "Ý kiến khác của ông/bà", textEn: "Anything else", required: false),
    ])

    /// The survey of an official's attitude and responsibility (the seeds' "awareness and
    /// responsibility of cadres and civil servants"), about one official.
    public static let attitude = Questionnaire(code: "attitude", version: 1, titleVi: "Đánh giá thái độ, trách nhiệm của cán bộ, công chức",
                                               titleEn: "Officials' attitude and responsibility", aboutOfficial: true, questions: [
        .init(code: "polite", textVi: "Lịch sự, tôn trọng người dân", textEn: "Polite and respectful"),
        .init(code: "clear", textVi: "Hướng dẫn rõ ràng, dễ hiểu", textEn: "Explained clearly"),
        .init(code: "timely", textVi: "Giải quyết công việc đúng hẹn", textEn: "Kept to the time promised"),
        .init(code: "honest", textVi: "Không gây phiền hà, sách nhiễu", textEn: "Caused no trouble, asked nothing improper"),
        .init(code: "comment", kind: .text, textVi: "Ý kiến khác", textEn: "Anything else", required: false),
    ])

    public static let ready = [sipas, attitude]
}

/// A number of answers summed up: their count, mean and 95 % interval, and the share of satisfied
/// answers (4 or 5) with its Wilson interval.
public struct SurveyStat: Sendable, Equatable {
    public var count: Int
    /// The mean on the 1–5 scale.
    public var mean: Double
    /// The 95 % interval of the mean (normal approximation; nil below two answers).
    public var meanInterval: ClosedRange<Double>?
    /// Satisfied answers (4 or 5) over all, and its 95 % Wilson interval.
    public var satisfied: Double
    public var satisfiedInterval: ClosedRange<Double>

    public init?(_ values: [Int]) {
        guard !values.isEmpty else { return nil }
        let n = Double(values.count)
        let m = Double(values.reduce(0, +)) / n
        count = values.count
        mean = m
        meanInterval = nil
        if values.count >= 2 {
            let variance = values.reduce(0.0) { $0 + (Double($1) - m) * (Double($1) - m) } / (n - 1)
            let half = 1.96 * (variance / n).squareRoot()
            meanInterval = max(1, m - half)...min(5, m + half)
        }
        let k = Double(values.filter { $0 >= 4 }.count)
        satisfied = k / n
        satisfiedInterval = Self.wilson(successes: k, of: n)
    }

    /// The Wilson score interval at 95 % (z = 1.96): sound for small samples and shares near 0 or 1.
    public static func wilson(successes k: Double, of n: Double, z: Double = 1.96) -> ClosedRange<Double> {
        guard n > 0 else { return 0...1 }
        let p = k / n, z2 = z * z
        let centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        let half = z * ((p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()) / (1 + z2 / n)
        return max(0, centre - half)...min(1, centre + half)
    }
}

/// The results of a set of responses: per SIPAS element, per question, over all scale answers.
public struct SurveyResults: Sendable, Equatable {
    /// Default minimum of responses before an official's own results are shown.
    public static let officialMinimum = 10

    public var responses: Int
    public var overall: SurveyStat?
    public var byElement: [SIPASElement: SurveyStat]
    public var byQuestion: [String: SurveyStat]

    /// `answers`: each response's answers by question code; `questionnaire` gives the questions' kinds and elements.
    public init(_ answers: [[String: String]], questionnaire: Questionnaire) {
        responses = answers.count
        var all: [Int] = [], elements: [SIPASElement: [Int]] = [:], questions: [String: [Int]] = [:]
        for a in answers {
            for q in questionnaire.questions where q.kind == .scale {
                guard let v = a[q.code].flatMap(Int.init), (1...5).contains(v) else { continue }
                all.append(v)
                questions[q.code, default: []].append(v)
                if let e = q.element { elements[e, default: []].append(v) }
            }
        }
        overall = SurveyStat(all)
        byElement = elements.compactMapValues { SurveyStat($0) }
        byQuestion = questions.compactMapValues { SurveyStat($0) }
    }

    /// Whether one official's results may be shown: only from `minimum` responses on, so that no
    /// answer can be traced to the citizen who gave it.
    public static func shows(official responses: Int, minimum: Int = officialMinimum) -> Bool { responses >= max(1, minimum) }
}
