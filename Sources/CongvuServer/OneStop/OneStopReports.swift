import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The settlement report (Biểu 06): by unit or by field for a period, with rates, an SVG chart
/// for leaders, the overdue list with cause and apology, the quarter's evaluation, print and XLSX.
extension OneStopController {
    /// The period asked for: `kind` (month, quarter, half, nine_months, year, range), `year`,
    /// `index`, `gov=1` for the government's 15th–14th periods, or `from`/`to` for a range.
    func period(_ request: Request) throws -> ReportPeriod { try Self.period(request, today: oneStop.today) }

    /// The same, read by the report page and by the API.
    static func period(_ request: Request, today: Day) throws -> ReportPeriod {
        let q = request.uri.queryParameters
        guard let kind = ReportPeriod.Kind(rawValue: q["kind"].map(String.init) ?? "month") else { throw ValidationErrors([FieldError("kind", "invalid")]) }
        if kind == .range {
            guard let from = q["from"].flatMap({ Day(String($0)) }), let to = q["to"].flatMap({ Day(String($0)) }),
                  (2000...2100).contains(from.year), (2000...2100).contains(to.year),
                  let p = ReportPeriod(first: from, last: to) else { throw ValidationErrors([FieldError("from", "invalid_range")]) }
            return p
        }
        let year = q["year"].map { Int(String($0)) } ?? today.year
        let index = q["index"].map { Int(String($0)) } ?? (kind == .quarter ? (today.month + 2) / 3 : kind == .half ? (today.month + 5) / 6 : today.month)
        guard let year, let index, (2000...2100).contains(year), let p = ReportPeriod(kind, year: year, index: index, government: q["gov"] == "1") else {
            throw ValidationErrors([FieldError("index", "invalid")])
        }
        return p
    }

    /// A rate given in per cent, written as the attendance reports write theirs.
    static func percent(_ v: Double?) -> String { ReportsController.percent(v.map { $0 / 100 }) }

    func columns(_ r: SettlementRow) -> [Int] {
        [r.received, r.online, r.directOrPostal, r.carriedOver, r.resolved, r.early, r.onTime, r.overdue, r.inProgress, r.openWithinTime, r.openOverdue, r.withdrawn]
    }

    func report(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let scopes = try context.scopes(.viewDossiers)
        let period = try period(request)
        let grouping = request.uri.queryParameters["group"].flatMap { SettlementReport.Grouping(rawValue: String($0)) } ?? .unit
        let report = try await dossiers.settlement(period, grouping: grouping, scopes: scopes, today: oneStop.today)
        let overdue = try await dossiers.overdue(period, scopes: scopes, today: oneStop.today, limit: 200)
        let quarter = (period.last.month + 2) / 3
        let evaluation = try await dossiers.quarterEvaluation(scopes: scopes, year: period.last.year, quarter: quarter)
        let locale = context.locale
        let total = report.total
        let line: (String, SettlementRow) -> ReportPage.Line = { label, r in
            .init(label: label, cells: self.columns(r), on_time_rate: Self.percent(r.onTimeRate), online_rate: Self.percent(r.onlineRate))
        }
        let query = request.uri.query ?? ""
        return try oneStop.views.page(ReportPage(
            auditAnchor: oneStop.shared.auditAnchor(context.locale),
            first: period.first.vietnamese, last: period.last.vietnamese, group: grouping.rawValue, by_unit: grouping == .unit,
            kinds: FormView.options(ReportPeriod.Kind.allCases.map { (value: $0.rawValue, label: catalogs.label("period_kind", $0.rawValue, locale)) },
                                    selected: period.kind.rawValue),
            year: period.last.year, index: request.uri.queryParameters["index"].map(String.init) ?? "", gov: period.government,
            from: period.first.description, to: period.last.description,
            lines: report.lines.map { line($0.label, $0.row) }, total: line(catalogs.text("report_total", locale), total),
            has_lines: !report.lines.isEmpty,
            chart: chart(report, locale),
            overdue: overdue.map { e in
                var s = summary(e.row, locale)
                s.resolved_late = e.resolvedLate
                s.cause = Template.optional(e.row.dossier.apologyReason)
                s.apologised = e.row.dossier.apologyAt != nil
                return s
            },
            has_overdue: !overdue.isEmpty,
            evaluation: .init(quarter: quarter, year: period.last.year, count: evaluation.evaluations,
                              average: evaluation.average.map { String($0) },
                              band: evaluation.band.map { catalogs.label("band", $0, locale) },
                              satisfied: Self.percent(evaluation.satisfiedRate),
                              answers: Satisfaction.allCases.map { .init(label: catalogs.label("satisfaction", $0.rawValue, locale), count: evaluation.satisfaction[$0] ?? 0) }),
            xlsx: "/one-stop/report.xlsx?" + query), context)
    }

    /// Horizontal bars per line: early, on time, overdue of the resolved, for leaders' phones.
    func chart(_ report: SettlementReport, _ locale: AppLocale) -> String {
        let lines = report.lines.prefix(30)
        guard let most = lines.map(\.row.resolved).max(), most > 0 else { return "" }
        let rowHeight = 22, labelWidth = 160, width = 520
        var svg = #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \#(width) \#(lines.count * rowHeight + 24)" class="chart" id="settlement-chart" role="img" aria-label="\#(XMLText.escape(catalogs.text("report_chart", locale)))">"#
        for (i, l) in lines.enumerated() {
            let y = i * rowHeight
            svg += #"<text x="0" y="\#(y + 15)" font-size="11">\#(XMLText.escape(String(l.label.prefix(26))))</text>"#
            var x = Double(labelWidth)
            let scale = Double(width - labelWidth - 10) / Double(most)
            for (count, css) in [(l.row.early, "early"), (l.row.onTime, "on-time"), (l.row.overdue, "overdue")] where count > 0 {
                let w = Double(count) * scale
                svg += #"<rect class="\#(css)" x="\#(Int(x))" y="\#(y + 4)" width="\#(max(1, Int(w.rounded())))" height="14"><title>\#(count)</title></rect>"#
                x += w
            }
        }
        let legendY = lines.count * rowHeight + 16
        svg += #"<rect class="early" x="0" y="\#(legendY - 9)" width="10" height="10"/><text x="14" y="\#(legendY)" font-size="11">\#(XMLText.escape(catalogs.label("timeliness", "early", locale)))</text>"#
        svg += #"<rect class="on-time" x="110" y="\#(legendY - 9)" width="10" height="10"/><text x="124" y="\#(legendY)" font-size="11">\#(XMLText.escape(catalogs.label("timeliness", "on_time", locale)))</text>"#
        svg += #"<rect class="overdue" x="220" y="\#(legendY - 9)" width="10" height="10"/><text x="234" y="\#(legendY)" font-size="11">\#(XMLText.escape(catalogs.label("timeliness", "overdue", locale)))</text>"#
        return svg + "</svg>"
    }

    func reportXLSX(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let scopes = try context.scopes(.viewDossiers)
        let period = try period(request)
        let grouping = request.uri.queryParameters["group"].flatMap { SettlementReport.Grouping(rawValue: String($0)) } ?? .unit
        let report = try await dossiers.settlement(period, grouping: grouping, scopes: scopes, today: oneStop.today)
        let locale = context.locale
        var sheet = XLSXSheet(name: "Bieu06")
        sheet.title = catalogs.text("report_title", locale, [period.first.vietnamese, period.last.vietnamese])
        sheet.header = [catalogs.text(grouping == .unit ? "report_unit" : "report_field", locale)]
            + (1...12).map { catalogs.text("report_col_\($0)", locale) } + [catalogs.text("report_on_time_rate", locale), catalogs.text("report_online_rate", locale)]
        sheet.widths = [30] + Array(repeating: 10, count: 14)
        func row(_ label: String, _ r: SettlementRow) -> [XLSXSheet.Cell] {
            [.text(label)] + columns(r).map { .number(Double($0)) }
                + [r.onTimeRate.map { .number(($0 * 10).rounded() / 10) } ?? .empty, r.onlineRate.map { .number(($0 * 10).rounded() / 10) } ?? .empty]
        }
        sheet.rows = report.lines.map { row($0.label, $0.row) } + [row(catalogs.text("report_total", locale), report.total)]
        let filename = "bieu-06-\(period.first)-\(period.last).xlsx"
        return try sheet.response(filename: filename)
    }
}

/// The settlement report (Biểu 06), printed with the audit checkpoint.
struct ReportPage: Page {
    static let template = "one-stop-report"
    struct Line: Decodable { var label: String; var cells: [Int]; var on_time_rate: String; var online_rate: String }
    struct Evaluation: Decodable {
        struct Answer: Decodable { var label: String; var count: Int }
        var quarter: Int
        var year: Int
        var count: Int
        var average: String?
        var band: String?
        var satisfied: String
        var answers: [Answer]
    }
    var auditAnchor: String?
    var layout: PageLayout { PageLayout(auditAnchor: auditAnchor) }
    var first: String
    var last: String
    var group: String
    var by_unit: Bool
    var kinds: [Option]
    var year: Int
    var index: String
    var gov: Bool
    var from: String
    var to: String
    var lines: [Line]
    var total: Line
    var has_lines: Bool
    /// SVG drawn by the server.
    var chart: String
    var overdue: [DossierSummary]
    var has_overdue: Bool
    var evaluation: Evaluation
    var xlsx: String
}
