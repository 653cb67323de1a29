import CongvuDomain
import CongvuStore
import Foundation
import Hummingbird

/// The monthly timesheet (bảng chấm công) per unit, printable on A4 landscape and exported as
/// XLSX, and the compliance figures per unit with a 12-month trend; the same through the API.
struct ReportsController {
    let attendance: AttendanceServices
    var catalogs: Catalogs { attendance.views.catalogs }
    var verdicts: VerdictStore { attendance.verdicts }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("timesheet", use: timesheet)
        group.get("timesheet.xlsx", use: timesheetXLSX)
        group.get("compliance", use: compliance)
    }

    func selection(_ request: Request, _ context: AppRequestContext) async throws -> (OrgUnit, [Option], Month) {
        let (unit, units) = try await attendance.unitSelection(request, context)
        let month = request.uri.queryParameters["month"].flatMap { Month(String($0)) } ?? Month(attendance.today)
        return (unit, units, month)
    }

    // MARK: Timesheet

    struct TimesheetRow {
        var post: StaffPost
        var codes: [String]
        var totals: Timesheet.Totals
    }

    /// The sheet of a month: days after today stay blank.
    func timesheetRows(unit: OrgUnit, month: Month) async throws -> [TimesheetRow] {
        let days = month.days.filter { $0 <= attendance.today }
        let sheet = try await verdicts.sheet(unit: unit, days: days)
        return sheet.people.map { post in
            var totals = Timesheet.Totals()
            let codes = month.days.map { day -> String in
                guard let v = sheet.verdict(post.personID, day) else { return "" }
                totals.add(v)
                return Timesheet.code(v)
            }
            return TimesheetRow(post: post, codes: codes, totals: totals)
        }
    }

    func totalsColumns(_ locale: AppLocale) -> [String] {
        ["timesheet_worked", "timesheet_excused", "timesheet_absent", "timesheet_late", "timesheet_early"].map { catalogs.text($0, locale) }
    }

    static func totals(_ t: Timesheet.Totals) -> [Double] {
        [t.worked, Double(t.excused), t.absent, Double(t.lateCount), Double(t.earlyCount)]
    }

    func timesheet(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, units, month) = try await selection(request, context)
        let rows = try await timesheetRows(unit: unit, month: month)
        let locale = context.locale
        return try attendance.views.page(TimesheetPage(
            auditAnchor: attendance.shared.auditAnchor(context.locale),
            unit: .init(id: unit.id, name: unit.name), units: units, month: month.description, month_vn: month.vietnamese,
            prev: month.previous.description, next: month.next.description,
            days: month.days.map { .init(n: $0.day, weekend: HolidayRules.isWeekend($0)) },
            totals_header: totalsColumns(locale),
            rows: rows.enumerated().map { i, r in
                .init(n: i + 1, id: r.post.personID, name: r.post.fullName, title: r.post.title,
                      codes: r.codes.map { .init(code: $0) }, totals: Self.totals(r.totals).map { .init(value: AttendanceController.number($0)) })
            },
            has_rows: !rows.isEmpty,
            legend: Timesheet.legend.map { .init(code: $0.code, label: catalogs.text("timesheet_code_\($0.key)", locale)) }), context)
    }

    func timesheetXLSX(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, _, month) = try await selection(request, context)
        let data = try await timesheetWorkbook(unit: unit, month: month, locale: context.locale)
        let filename = "bang-cham-cong-\(unit.fileSlug)-\(month).xlsx"
        return XLSXSheet.response(data, filename: filename)
    }

    func timesheetWorkbook(unit: OrgUnit, month: Month, locale: AppLocale) async throws -> Data {
        let rows = try await timesheetRows(unit: unit, month: month)
        var sheet = XLSXSheet(name: month.description)
        sheet.title = "\(catalogs.text("timesheet_title", locale)) \(month.vietnamese) · \(unit.name)"
        sheet.header = [catalogs.text("timesheet_number", locale), catalogs.text("field_full_name", locale), catalogs.text("field_title", locale)]
            + month.days.map { String($0.day) } + totalsColumns(locale)
        sheet.widths = [5, 26, 24] + month.days.map { _ in 4 } + totalsColumns(locale).map { _ in 8 }
        sheet.rows = rows.enumerated().map { i, r in
            [.number(Double(i + 1)), .text(r.post.fullName), .text(r.post.title)] + r.codes.map { $0.isEmpty ? .empty : .text($0) }
                + Self.totals(r.totals).map { .number($0) }
        }
        sheet.rows.append([])
        for entry in Timesheet.legend { sheet.rows.append([.empty, .text(entry.code), .text(catalogs.text("timesheet_code_\(entry.key)", locale))]) }
        return try sheet.data()
    }

    // MARK: Compliance

    struct UnitFigures {
        var unit: OrgUnit
        var figures: Compliance
    }

    struct ComplianceReport {
        /// The unit, then each of its active children, for the month.
        var units: [UnitFigures]
        /// Twelve months up to the month: the unit's figures, nil for months with no attendance recorded at all.
        var trend: [(Month, Compliance?)]
    }

    /// Kept days over the days that could be kept, from one sheet of the twelve closed months.
    func compliance(unit: OrgUnit, month: Month) async throws -> ComplianceReport {
        var months: [Month] = [month]
        while months.count < 12 { months.insert(months[0].previous, at: 0) }
        let days = months.flatMap(\.days).filter { $0 < attendance.today }
        let sheet = try await verdicts.sheet(unit: unit, days: days)
        let children = try await attendance.units.children(of: unit.id).filter { $0.isActive(on: month.last) || $0.isActive(on: month.first) }
        var units = [UnitFigures(unit: unit, figures: Compliance())] + children.map { UnitFigures(unit: $0, figures: Compliance()) }
        var byMonth: [Month: Compliance] = [:]
        for post in sheet.people {
            let child = units.indices.dropFirst().first { post.unitPath.hasPrefix(units[$0].unit.path) }
            for (day, v) in sheet.verdicts[post.personID] ?? [:] {
                byMonth[Month(day), default: Compliance()].add(v)
                guard Month(day) == month else { continue }
                units[0].figures.add(v)
                if let child { units[child].figures.add(v) }
            }
        }
        let trend = months.map { m -> (Month, Compliance?) in
            guard let c = byMonth[m], c.kept + c.late + c.leftEarly + c.missingPunch > 0 else { return (m, nil) }
            return (m, c)
        }
        return ComplianceReport(units: units, trend: trend)
    }

    static func percent(_ rate: Double?) -> String { rate.map { String(format: "%.1f %%", $0 * 100) } ?? "—" }

    /// A line chart of the on-time rate, drawn by hand: months without data leave a gap.
    static func trendSVG(_ points: [(Month, Compliance?)], title: String) -> String {
        // Drawn at a phone's width, so that its labels are read at their size there (at 640 wide
        // they shrank to 5 px on a phone); wider screens scale it up.
        let w = 360.0, h = 200.0, left = 42.0, right = 8.0, top = 12.0, bottom = 26.0
        let step = (w - left - right) / Double(max(points.count - 1, 1))
        func y(_ rate: Double) -> Double { top + (1 - rate) * (h - top - bottom) }
        var s = #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \#(Int(w)) \#(Int(h))" role="img" aria-label="\#(XMLText.escape(title))" class="chart" id="compliance-trend">"#
        for pct in [0, 25, 50, 75, 100] {
            let yy = y(Double(pct) / 100)
            s += #"<line x1="\#(left)" x2="\#(w - right)" y1="\#(yy)" y2="\#(yy)" class="grid"/><text x="\#(left - 4)" y="\#(yy + 4)" text-anchor="end" class="axis">\#(pct)%</text>"#
        }
        var segment: [String] = []
        func flush() {
            if segment.count > 1 { s += #"<polyline points="\#(segment.joined(separator: " "))" class="line"/>"# }
            segment = []
        }
        for (i, (month, c)) in points.enumerated() {
            let x = left + Double(i) * step
            // Every other month, counted back from the last one, which ends at the edge rather than past it.
            let last = i == points.count - 1
            if (points.count - 1 - i) % 2 == 0 {
                s += #"<text x="\#(x)" y="\#(h - 8)" text-anchor="\#(last ? "end" : "middle")" class="axis">\#(Digits.pad(month.month, 2))/\#(Digits.pad(month.year % 100, 2))</text>"#
            }
            if let rate = c?.rate {
                segment.append(String(format: "%.1f,%.1f", x, y(rate)))
                s += #"<circle cx="\#(String(format: "%.1f", x))" cy="\#(String(format: "%.1f", y(rate)))" r="3" class="dot"><title>\#(percent(rate))</title></circle>"#
            } else {
                flush()
            }
        }
        flush()
        return s + "</svg>"
    }

    func compliance(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (unit, units, month) = try await selection(request, context)
        let report = try await compliance(unit: unit, month: month)
        let unexplained = try await attendance.explanations.list(scopes: [unit.path], statuses: [.open]).count
        return try attendance.views.page(CompliancePage(
            unit: .init(id: unit.id, name: unit.name), units: units, month: month.description, month_vn: month.vietnamese,
            prev: month.previous.description, next: month.next.description, unexplained: unexplained,
            rows: report.units.enumerated().map { i, r in
                .init(name: r.unit.name, id: r.unit.id, total: i == 0, expected: r.figures.expected, kept: r.figures.kept,
                      late: r.figures.late, early: r.figures.leftEarly, absent: r.figures.absent, missing: r.figures.missingPunch,
                      excused: r.figures.excused, rate: Self.percent(r.figures.rate))
            },
            chart: Self.trendSVG(report.trend, title: catalogs.text("compliance_trend", context.locale))), context)
    }

    // MARK: API

    func addAPIRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("attendance/daily", use: apiDaily)
        group.get("attendance/timesheet", use: apiTimesheet)
        group.get("attendance/compliance", use: apiCompliance)
        group.get("attendance/board", use: apiBoard)
    }

    struct VerdictDTO: Codable, Sendable {
        var personId: Int64
        var fullName: String
        var title: String
        var day: String
        var status: String
        var code: String
        var lateMinutes: Int
        var earlyMinutes: Int
        var checkIn: String?
        var checkOut: String?
        var reasons: [String]
    }

    struct TimesheetDTO: Codable, ResponseEncodable, Sendable {
        struct Row: Codable, Sendable {
            var personId: Int64
            var fullName: String
            var title: String
            var codes: [String]
            var worked: Double
            var excused: Int
            var absent: Double
            var late: Int
            var early: Int
            var lateMinutes: Int
        }
        var unitId: Int64
        var month: String
        var rows: [Row]
    }

    struct ComplianceDTO: Codable, ResponseEncodable, Sendable {
        struct Row: Codable, Sendable {
            var unitId: Int64
            var unitName: String
            var expected: Int
            var kept: Int
            var late: Int
            var leftEarly: Int
            var absent: Int
            var missingPunch: Int
            var excused: Int
            var rate: Double?
        }
        struct Point: Codable, Sendable {
            var month: String
            var rate: Double?
        }
        var month: String
        var units: [Row]
        var trend: [Point]
    }

    /// The API reads the unit from `unit` (required) and checks it like the pages do.
    func apiUnit(_ request: Request, _ context: AppRequestContext) async throws -> OrgUnit {
        guard request.uri.queryParameters["unit"].flatMap({ Int64($0) }) != nil else { throw HTTPError(.badRequest, message: "unit required") }
        return try await attendance.selectedUnit(request, context)
    }

    func apiMonth(_ request: Request) throws -> Month {
        guard let text = request.uri.queryParameters["month"] else { return Month(attendance.today) }
        guard let m = Month(String(text)) else { throw HTTPError(.badRequest, message: "month must be YYYY-MM") }
        return m
    }

    func apiDaily(_ request: Request, _ context: AppRequestContext) async throws -> APIController.ListDTO<VerdictDTO> {
        let unit = try await apiUnit(request, context)
        var day = attendance.today
        if let text = request.uri.queryParameters["day"] {
            guard let d = Day(String(text)), (1990...2100).contains(d.year) else { throw HTTPError(.badRequest, message: "day must be YYYY-MM-DD") }
            day = d
        }
        let sheet = try await verdicts.sheet(unit: unit, days: [day])
        let items = sheet.people.compactMap { p -> VerdictDTO? in
            guard let v = sheet.verdict(p.personID, day) else { return nil }
            return VerdictDTO(personId: p.personID, fullName: p.fullName, title: p.title, day: day.description, status: v.status.rawValue,
                              code: Timesheet.code(v), lateMinutes: v.lateMinutes, earlyMinutes: v.earlyMinutes,
                              checkIn: v.checkIn.map(Instant.format), checkOut: v.checkOut.map(Instant.format), reasons: v.reasons.map(\.code))
        }
        return APIController.ListDTO(items: items, total: items.count)
    }

    func apiTimesheet(_ request: Request, _ context: AppRequestContext) async throws -> TimesheetDTO {
        let unit = try await apiUnit(request, context)
        let month = try apiMonth(request)
        let rows = try await timesheetRows(unit: unit, month: month)
        return TimesheetDTO(unitId: unit.id, month: month.description, rows: rows.map { r in
            .init(personId: r.post.personID, fullName: r.post.fullName, title: r.post.title, codes: r.codes, worked: r.totals.worked,
                  excused: r.totals.excused, absent: r.totals.absent, late: r.totals.lateCount, early: r.totals.earlyCount,
                  lateMinutes: r.totals.lateMinutes)
        })
    }

    func apiCompliance(_ request: Request, _ context: AppRequestContext) async throws -> ComplianceDTO {
        let unit = try await apiUnit(request, context)
        let month = try apiMonth(request)
        let report = try await compliance(unit: unit, month: month)
        return ComplianceDTO(month: month.description, units: report.units.map { r in
            .init(unitId: r.unit.id, unitName: r.unit.name, expected: r.figures.expected, kept: r.figures.kept, late: r.figures.late,
                  leftEarly: r.figures.leftEarly, absent: r.figures.absent, missingPunch: r.figures.missingPunch, excused: r.figures.excused,
                  rate: r.figures.rate)
        }, trend: report.trend.map { .init(month: $0.0.description, rate: $0.1?.rate) })
    }

    func apiBoard(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let unit = try await apiUnit(request, context)
        let board = try await BoardBuilder(attendance: attendance).cached(unit: unit, locale: context.locale, stale: true)
        return AppJSONEncoder.response(ByteBuffer(string: board.json))
    }
}

/// What `congvu bench attendance` measures, called exactly as the routes call it.
public enum AttendanceBenchmarks {
    public static func timesheetWorkbook(_ services: AppServices, unit: OrgUnit, month: Month) async throws -> Data {
        try await ReportsController(attendance: services.attendance).timesheetWorkbook(unit: unit, month: month, locale: .vi)
    }

    /// The live board computed afresh (no cache): people, punches, notices and each person's state.
    public static func board(_ services: AppServices, unit: OrgUnit) async throws -> Int {
        try await BoardBuilder(attendance: services.attendance).snapshot(unit: unit, locale: .vi).people.count
    }
}

/// The monthly timesheet (bảng chấm công), printed on A4 landscape with the audit checkpoint.
struct TimesheetPage: Page {
    static let template = "timesheet"
    struct Day: Decodable { var n: Int; var weekend: Bool }
    struct Code: Decodable { var code: String }
    struct Total: Decodable { var value: String }
    struct Row: Decodable {
        var n: Int
        var id: Int64
        var name: String
        var title: String
        var codes: [Code]
        var totals: [Total]
    }
    struct Legend: Decodable { var code: String; var label: String }
    var auditAnchor: String?
    var layout: PageLayout { PageLayout(auditAnchor: auditAnchor) }
    var unit: UnitRef
    var units: [Option]
    var month: String
    var month_vn: String
    var prev: String
    var next: String
    var days: [Day]
    var totals_header: [String]
    var rows: [Row]
    var has_rows: Bool
    var legend: [Legend]
}

struct CompliancePage: Page {
    static let template = "compliance"
    struct Row: Decodable {
        var name: String
        var id: Int64
        var total: Bool
        var expected: Int
        var kept: Int
        var late: Int
        var early: Int
        var absent: Int
        var missing: Int
        var excused: Int
        var rate: String
    }
    var unit: UnitRef
    var units: [Option]
    var month: String
    var month_vn: String
    var prev: String
    var next: String
    var unexplained: Int
    var rows: [Row]
    /// An SVG drawn by the server.
    var chart: String
}
