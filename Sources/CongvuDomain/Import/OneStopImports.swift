import Foundation

/// A procedure catalogue file: one row per procedure version, in the form the catalogue page
/// takes, with the words the national database's exports use.
public enum ProcedureImport {
    public static let aliases: [String: String] = [
        "ma": "code", "ma_thu_tuc": "code", "ma_tthc": "code", "ten": "name", "ten_thu_tuc": "name", "ten_tthc": "name",
        "linh_vuc": "field", "cap": "level", "cap_thuc_hien": "level", "thoi_han": "time", "thoi_han_giai_quyet": "time",
        "muc_do": "online_level", "muc_do_dvc": "online_level", "muc_do_truc_tuyen": "online_level", "dich_vu_cong": "online_level",
        "le_phi": "fee", "phi": "fee", "phi_le_phi": "fee", "ghi_chu_phi": "fee_note", "thanh_phan_ho_so": "documents",
        "giay_to": "documents", "ket_qua": "result", "can_cu_phap_ly": "legal_basis", "can_cu": "legal_basis",
        "phien_ban": "version", "hieu_luc_tu": "valid_from", "tu_ngay": "valid_from", "hieu_luc_den": "valid_to",
        "den_ngay": "valid_to", "quy_trinh": "steps", "cac_buoc": "steps", "niem_yet": "posted_counter",
        "niem_yet_tai_bo_phan_mot_cua": "posted_counter", "cong_khai": "posted_portal", "cong_khai_tren_cong": "posted_portal",
    ]
    public static let required = ["code", "name", "field", "level", "time", "online_level", "valid_from"]

    public struct Row: Sendable, Equatable {
        public var line: Int
        public var procedure: Procedure
    }

    /// A competent level as written: the key, or its Vietnamese name.
    public static func level(_ text: String) -> String {
        switch SearchKey.fold(text) {
        case "trung uong", "bo", "cap bo", "cap trung uong": CompetentLevel.central.rawValue
        case "tinh", "cap tinh": CompetentLevel.province.rawValue
        case "huyen", "cap huyen": CompetentLevel.district.rawValue
        case "xa", "cap xa": CompetentLevel.commune.rawValue
        default: text.tidied
        }
    }

    /// A processing time as written: `5 working_days`, or `5 ngày làm việc`, `10 ngày`,
    /// `8 giờ làm việc`, `trong ngày`.
    public static func time(_ text: String) -> String {
        let folded = SearchKey.fold(text)
        if folded == "trong ngay" || folded == "ngay lam viec trong ngay" { return TimeUnit.sameDay.rawValue }
        let parts = folded.split(separator: " ", maxSplits: 1).map(String.init)
        guard parts.count == 2, Int(parts[0]) != nil else { return text.tidied }
        let unit: TimeUnit? = switch parts[1] {
        case "ngay lam viec": .workingDays
        case "ngay", "ngay ke tu ngay nhan du ho so": .calendarDays
        case "gio", "gio lam viec": .workingHours
        default: nil
        }
        return unit.map { "\(parts[0]) \($0.rawValue)" } ?? text.tidied
    }

    /// A document's form as written: the key, or `bản chính`, `bản sao có chứng thực`, `bản sao`.
    public static func documentForm(_ text: String) -> String {
        switch SearchKey.fold(text) {
        case "ban chinh", "chinh": DocumentForm.original.rawValue
        case "ban sao co chung thuc", "ban sao chung thuc", "sao chung thuc", "chung thuc": DocumentForm.certifiedCopy.rawValue
        case "ban sao", "sao", "ban photo", "photo": DocumentForm.copy.rawValue
        default: text.tidied
        }
    }

    /// An online level as written: the key, or the portal's words (and the old levels 2, 3, 4).
    public static func onlineLevel(_ text: String) -> String {
        switch SearchKey.fold(text) {
        case "toan trinh", "dich vu cong truc tuyen toan trinh": OnlineLevel.full.rawValue
        case "mot phan", "dich vu cong truc tuyen mot phan": OnlineLevel.partial.rawValue
        case "cung cap thong tin", "thong tin": OnlineLevel.information.rawValue
        case "2", "muc do 2", "muc 2": OnlineLevel.level2.rawValue
        case "3", "muc do 3", "muc 3": OnlineLevel.level3.rawValue
        case "4", "muc do 4", "muc 4": OnlineLevel.level4.rawValue
        default: text.tidied
        }
    }

    public static func parse(_ text: String) throws -> ParsedImport<Row> {
        let table = try ImportTable.read(text, aliases: aliases, required: required)
        var rows: [Row] = []
        var issues: [ImportIssue] = []
        var seen: Set<String> = []
        for (line, v) in table {
            var draft = ProcedureDraft()
            draft.code = v["code"] ?? ""
            draft.name = v["name"] ?? ""
            draft.field = v["field"] ?? ""
            draft.level = v["level"] ?? ""
            draft.time = v["time"] ?? ""
            draft.onlineLevel = v["online_level"] ?? ""
            draft.fee = v["fee"] ?? ""
            draft.feeNote = v["fee_note"] ?? ""
            draft.documents = v["documents"] ?? ""
            draft.steps = v["steps"] ?? ""
            draft.result = v["result"] ?? ""
            draft.legalBasis = v["legal_basis"] ?? ""
            draft.version = v["version"] ?? ""
            draft.validFrom = v["valid_from"] ?? ""
            draft.validTo = v["valid_to"] ?? ""
            draft.postedAtCounter = PeopleImport.truthy(v["posted_counter"] ?? "")
            draft.postedOnPortal = PeopleImport.truthy(v["posted_portal"] ?? "")
            do {
                let p = try draft.inWords().validate()
                let key = "\(p.code)#\(p.version)"
                if seen.contains(key) {
                    issues.append(ImportIssue(line: line, field: "version", key: "procedure_version_duplicate_in_file"))
                } else {
                    seen.insert(key)
                    rows.append(Row(line: line, procedure: p))
                }
            } catch let e as ValidationErrors {
                issues += e.errors.map { ImportIssue(line: line, field: $0.field, key: $0.key) }
            }
        }
        return ParsedImport(rows: rows, issues: issues, total: table.count)
    }
}

/// A historic dossier file from another system: what the settlement report needs (when each
/// dossier was received, due, resolved, delivered, withdrawn, and its pauses) so that past periods
/// report correctly next to the dossiers received here.
///
/// Moments are `2025-03-04 08:15` or `04/03/2025 08:15` (seconds are ignored), or a date alone
/// (midnight: enough for procedures judged by date). Pauses are `from>to` spans separated by `|`;
/// a span without `to` is still open, which only a status that stops the clock may have.
public enum DossierImport {
    public static let aliases: [String: String] = [
        "ma_ho_so": "code", "so_ho_so": "code", "ma": "code", "ma_thu_tuc": "procedure_code", "ma_tthc": "procedure_code",
        "ma_don_vi": "unit_code", "don_vi": "unit_code", "unit": "unit_code", "kenh": "channel", "kenh_nop": "channel",
        "hinh_thuc_nop": "channel", "ngay_tiep_nhan": "received_at", "ngay_nhan": "received_at", "ngay_hen_tra": "due_at",
        "han_giai_quyet": "due_at", "ngay_co_ket_qua": "resolved_at", "ngay_giai_quyet": "resolved_at", "ngay_hoan_thanh": "resolved_at",
        "ngay_tra_ket_qua": "delivered_at", "ngay_tra": "delivered_at", "ngay_rut": "withdrawn_at", "ngay_rut_ho_so": "withdrawn_at",
        "trang_thai": "status", "tam_dung": "pauses", "cac_lan_tam_dung": "pauses", "nguoi_nop": "applicant_name",
        "ten_nguoi_nop": "applicant_name", "chu_ho_so": "applicant_name", "so_dinh_danh": "applicant_id_number",
        "so_cccd": "applicant_id_number", "cccd": "applicant_id_number", "ngay_xin_loi": "apology_at",
        "ngay_hen_moi": "promised_at", "ly_do_xin_loi": "apology_reason", "ly_do_qua_han": "apology_reason",
    ]
    public static let required = ["code", "procedure_code", "unit_code", "received_at", "due_at", "status"]

    /// A moment read from the file, and whether it carried a time of day.
    public struct Moment: Sendable, Equatable {
        public var date: Date
        public var timed: Bool

        public init(date: Date, timed: Bool) {
            self.date = date
            self.timed = timed
        }
    }

    public struct Row: Sendable, Equatable {
        public var line: Int
        public var code: String
        public var procedureCode: String
        public var unitCode: String
        public var channel: Channel
        public var status: DossierStatus
        public var receivedAt: Moment
        /// The appointment on the receipt; pauses move it.
        public var dueAt: Moment
        public var resolvedAt: Moment?
        public var deliveredAt: Moment?
        public var withdrawnAt: Moment?
        public var pauses: [Pause]
        public var applicantName: String
        public var applicantIDNumber: String
        public var apologyAt: Date?
        public var promisedAt: Date?
        public var apologyReason: String

        /// The dossier as stored: the due date moved by the pauses on the unit's calendar, and the
        /// outcome judged as for dossiers received here. Hour-based procedures need times of day.
        public func dossier(procedure: Procedure, unitID: Int64, calendar: WorkCalendar, now: Date) throws -> Dossier {
            if procedure.time.isHourBased {
                for (field, m) in [("received_at", receivedAt), ("due_at", dueAt), ("resolved_at", resolvedAt)] where m?.timed == false {
                    throw ValidationErrors([FieldError(field, "import_time_required")])
                }
            }
            // A due date alone means the end of that day's office hours.
            let legal = dueAt.timed ? dueAt.date : Deadlines.endOfDay(Day(dueAt.date, in: CivilTime.vietnam), calendar: calendar)
            let due: Date
            do { due = try Deadlines.extended(legal, by: pauses, now: now, calendar: calendar) } catch {
                throw ValidationErrors([FieldError("pauses", "import_outside_calendar")])
            }
            var d = Dossier(id: 0, code: code, procedureID: procedure.id, unitID: unitID, currentUnitID: unitID, field: procedure.field,
                            channel: channel, status: status, applicant: Applicant(name: applicantName, idNumber: applicantIDNumber),
                            submittedAt: receivedAt.date, receivedAt: receivedAt.date, legalDueAt: legal, dueAt: due,
                            hourBased: procedure.time.isHourBased, resolvedAt: resolvedAt?.date, deliveredAt: deliveredAt?.date,
                            apologyAt: apologyAt, promisedAt: promisedAt, apologyReason: apologyReason, imported: true)
            if let resolved = resolvedAt?.date {
                d.closedDay = Day(resolved, in: CivilTime.vietnam)
                d.timeliness = Timeliness.of(resolvedAt: resolved, dueAt: due, hourBased: d.hourBased)
            } else if let withdrawn = withdrawnAt?.date {
                d.closedDay = Day(withdrawn, in: CivilTime.vietnam)
            }
            return d
        }

        /// One step of the history an imported dossier is given, so its process-control sheet and
        /// public tracking read like those of the dossiers received here.
        public struct Step: Sendable, Equatable {
            public var at: Date
            public var action: DossierAction
            public var from: DossierStatus?
            public var to: DossierStatus
            public var note: String
        }

        /// The steps the file's dates imply, in time order.
        public var history: [Step] {
            var steps = [Step(at: receivedAt.date, action: .accept, from: nil, to: .accepted, note: "")]
            var last = DossierStatus.accepted
            for p in pauses {
                let (pause, resume): (DossierAction, DossierAction) = switch p.status {
                case .awaitingPayment: (.requestPayment, .paymentReceived)
                case .stopped: (.stop, .resume)
                default: (.requestSupplement, .supplementReceived)
                }
                steps.append(Step(at: p.from, action: pause, from: last, to: p.status, note: ""))
                last = p.status
                if let to = p.to {
                    steps.append(Step(at: to, action: resume, from: last, to: .processing, note: ""))
                    last = .processing
                }
            }
            if let apology = apologyAt {
                steps.append(Step(at: apology, action: .apologise, from: nil, to: .processing, note: apologyReason))
            }
            if let resolved = resolvedAt?.date { steps.append(Step(at: resolved, action: .resultReady, from: .processing, to: .resultReady, note: "")) }
            if let delivered = deliveredAt?.date { steps.append(Step(at: delivered, action: .deliver, from: .resultReady, to: .delivered, note: "")) }
            if let withdrawn = withdrawnAt?.date { steps.append(Step(at: withdrawn, action: .withdraw, from: nil, to: .withdrawn, note: "")) }
            steps.sort { $0.at < $1.at }
            // Each step starts from where the one before it left the dossier.
            for i in steps.indices.dropFirst() {
                steps[i].from = steps[i - 1].to
                if steps[i].action == .apologise { steps[i].to = steps[i - 1].to }
            }
            return steps
        }
    }

    public static func moment(_ text: String) -> Moment? {
        var parts = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        if parts.count == 2, parts[1].split(separator: ":").count == 3 { parts[1] = String(parts[1].dropLast(3)) }
        if parts.count == 2, let d = Instant.parseLocal(parts.joined(separator: " ")) { return Moment(date: d, timed: true) }
        if parts.count == 1, let day = Day(parts[0]) { return Moment(date: CivilTime.startOfDay(day), timed: false) }
        if parts.count == 1, parts[0].contains("T"), let d = Instant.parse(parts[0]) { return Moment(date: d, timed: true) }
        return nil
    }

    /// A status as written: the portal's code 1–10, the key, or its Vietnamese name.
    public static func status(_ text: String) -> DossierStatus? {
        let folded = SearchKey.fold(text)
        if let n = Int(folded) { return DossierStatus(rawValue: n) }
        if let s = DossierStatus.allCases.first(where: { $0.key == folded.replacingOccurrences(of: " ", with: "_") }) { return s }
        switch folded {
        case "moi", "cho tiep nhan": return .submitted
        case "da tiep nhan", "tiep nhan", "moi tiep nhan": return .accepted
        case "tu choi", "tu choi tiep nhan": return .refused
        case "dang xu ly", "dang giai quyet", "dang thu ly": return .processing
        case "bo sung", "cho bo sung", "yeu cau bo sung": return .supplementRequested
        case "cho thuc hien nghia vu tai chinh", "nghia vu tai chinh": return .awaitingPayment
        case "rut", "da rut", "rut ho so", "cong dan rut ho so": return .withdrawn
        case "dung xu ly", "dung", "tam dung": return .stopped
        case "co ket qua", "da co ket qua", "cho tra ket qua", "da giai quyet": return .resultReady
        case "da tra", "da tra ket qua", "hoan thanh": return .delivered
        default: return nil
        }
    }

    /// A channel as written; empty means at the counter.
    public static func channel(_ text: String) -> Channel? {
        let folded = SearchKey.fold(text)
        if folded.isEmpty { return .direct }
        if let n = Int(folded) { return Channel(rawValue: n) }
        switch folded {
        case "direct", "truc tiep", "tai quay", "nop truc tiep": return .direct
        case "online", "truc tuyen", "dvc truc tuyen", "dich vu cong truc tuyen", "qua mang": return .online
        case "postal", "buu chinh", "buu chinh cong ich", "bcci", "qua buu chinh": return .postal
        default: return nil
        }
    }

    public static func parse(_ text: String, now: Date) throws -> ParsedImport<Row> {
        let table = try ImportTable.read(text, aliases: aliases, required: required)
        let earliest = CivilTime.startOfDay(Day(year: 2000, month: 1, day: 1)!)
        var rows: [Row] = []
        var issues: [ImportIssue] = []
        var seen: Set<String> = []
        for (line, v) in table {
            var errors = ValidationErrors()
            func moment(_ field: String, required: Bool = false) -> Moment? {
                let raw = (v[field] ?? "").tidied
                if raw.isEmpty {
                    if required { errors.add(field, "required") }
                    return nil
                }
                guard let m = Self.moment(raw) else { errors.add(field, "date_invalid"); return nil }
                if m.date < earliest || m.date > now { errors.add(field, "import_date_out_of_range"); return nil }
                return m
            }
            let code = DossierCode.normalise(v["code"] ?? "")
            if code == nil { errors.add("code", (v["code"] ?? "").tidied.isEmpty ? "required" : "dossier_code_invalid") }
            if let code {
                if seen.contains(code) { errors.add("code", "code_duplicate_in_file") }
                seen.insert(code)
            }
            let procedureCode = (v["procedure_code"] ?? "").tidied
            if procedureCode.isEmpty { errors.add("procedure_code", "required") }
            let unitCode = (v["unit_code"] ?? "").tidied
            if unitCode.isEmpty { errors.add("unit_code", "required") }
            let channel = channel(v["channel"] ?? "")
            if channel == nil { errors.add("channel", "invalid") }
            let status = status(v["status"] ?? "")
            if status == nil { errors.add("status", "invalid") } else if !status!.isReceived { errors.add("status", "import_status_not_received") }
            let received = moment("received_at", required: true)
            // The appointment may lie ahead of today: only its form is checked.
            var due: Moment?
            let dueText = (v["due_at"] ?? "").tidied
            if dueText.isEmpty { errors.add("due_at", "required") } else if let m = Self.moment(dueText) { due = m } else { errors.add("due_at", "date_invalid") }
            // A date alone on the day of the moment it follows means "that day", not the midnight before it.
            func notBefore(_ m: Moment?, _ floor: Moment?) -> Moment? {
                guard var m, let floor, !m.timed, m.date < floor.date,
                      Day(m.date, in: CivilTime.vietnam) == Day(floor.date, in: CivilTime.vietnam) else { return m }
                m.date = floor.date
                return m
            }
            due = notBefore(due, received)
            let resolved = notBefore(moment("resolved_at"), received)
            let delivered = notBefore(moment("delivered_at"), resolved)
            let withdrawn = notBefore(moment("withdrawn_at"), received)
            let apology = moment("apology_at")
            var promised: Moment?
            let promisedText = (v["promised_at"] ?? "").tidied
            if !promisedText.isEmpty { promised = Self.moment(promisedText); if promised == nil { errors.add("promised_at", "date_invalid") } }

            if let r = received, let d = due, d.date < r.date { errors.add("due_at", "import_before_received") }
            if let r = received, let x = resolved, x.date < r.date { errors.add("resolved_at", "import_before_received") }
            if let r = resolved, let x = delivered, x.date < r.date { errors.add("delivered_at", "import_before_resolved") }
            if let r = received, let x = withdrawn, x.date < r.date { errors.add("withdrawn_at", "import_before_received") }
            if let status {
                // What each status implies must be in the file, and nothing it rules out.
                if status.isResolved && resolved == nil && v["resolved_at"]?.tidied.isEmpty ?? true { errors.add("resolved_at", "import_status_needs_date") }
                if status == .delivered && delivered == nil && v["delivered_at"]?.tidied.isEmpty ?? true { errors.add("delivered_at", "import_status_needs_date") }
                if status == .withdrawn && withdrawn == nil && v["withdrawn_at"]?.tidied.isEmpty ?? true { errors.add("withdrawn_at", "import_status_needs_date") }
                if !status.isResolved && resolved != nil { errors.add("resolved_at", "import_status_rules_out_date") }
                if status != .delivered && delivered != nil { errors.add("delivered_at", "import_status_rules_out_date") }
                if status != .withdrawn && withdrawn != nil { errors.add("withdrawn_at", "import_status_rules_out_date") }
            }
            if (apology == nil) != (promised == nil) {
                errors.add(apology == nil ? "apology_at" : "promised_at", "import_apology_incomplete")
            } else if let p = promised, let d = due, p.date <= d.date {
                errors.add("promised_at", "promised_after_due")
            }
            let idNumber = (v["applicant_id_number"] ?? "").tidied
            if !idNumber.isEmpty && !IdentityNumber.isValid(idNumber) { errors.add("applicant_id_number", "id_number_invalid") }
            let name = (v["applicant_name"] ?? "").tidied
            if name.count > 200 { errors.add("applicant_name", "too_long") }

            // Pauses: in order, within the dossier's life, and open only when the status stops the clock.
            var pauses: [Pause] = []
            let end = resolved?.date ?? withdrawn?.date ?? now
            for span in ProcedureDraft.items(v["pauses"] ?? "") {
                let ends = span.split(separator: ">", maxSplits: 1, omittingEmptySubsequences: false).map { String($0).tidied }
                guard ends.count == 2, let start = Self.moment(ends[0]), ends[1].isEmpty || Self.moment(ends[1]) != nil else {
                    errors.add("pauses", "import_pause_invalid"); break
                }
                let to = Self.moment(ends[1])?.date
                let previousEnd = pauses.last.map { $0.to ?? .distantFuture } ?? received?.date ?? start.date
                let from = notBefore(start, pauses.isEmpty ? received : pauses.last!.to.map { Moment(date: $0, timed: true) })!
                if from.date < previousEnd || (to.map { $0 <= from.date } ?? false) || (to ?? from.date) > end {
                    errors.add("pauses", "import_pause_out_of_order"); break
                }
                pauses.append(Pause(from: from.date, to: to, status: .supplementRequested))
            }
            if let status, errors.errors.allSatisfy({ $0.field != "pauses" }) {
                let open = pauses.last.map { $0.to == nil } ?? false
                if open && !status.pausesClock { errors.add("pauses", "import_pause_open") }
                if status.pausesClock && !open { errors.add("pauses", "import_pause_missing") }
                if open { pauses[pauses.count - 1].status = status }
            }
            if errors.errors.isEmpty, let code, let channel, let status, let received, let due {
                rows.append(Row(line: line, code: code, procedureCode: procedureCode, unitCode: unitCode, channel: channel, status: status,
                                receivedAt: received, dueAt: due, resolvedAt: resolved, deliveredAt: delivered, withdrawnAt: withdrawn,
                                pauses: pauses, applicantName: name, applicantIDNumber: idNumber, apologyAt: apology?.date,
                                promisedAt: promised?.date, apologyReason: (v["apology_reason"] ?? "").tidied))
            }
            issues += errors.errors.map { ImportIssue(line: line, field: $0.field, key: $0.key) }
        }
        return ParsedImport(rows: rows, issues: issues, total: table.count)
    }
}

extension ProcedureDraft {
    /// The draft with what a clerk writes turned into the keys `validate` reads: a processing time
    /// as `5 ngày làm việc`, document lines as `name; bản sao có chứng thực; 2`, step lines as
    /// `name; 2 ngày làm việc`, the level and online level in their Vietnamese names. The
    /// catalogue form and the CSV import both take these words.
    public func inWords() -> ProcedureDraft {
        var d = self
        d.level = ProcedureImport.level(level)
        d.time = ProcedureImport.time(time)
        d.onlineLevel = ProcedureImport.onlineLevel(onlineLevel)
        d.documents = Self.items(documents).map { line in
            var parts = line.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
            if parts.count > 1 { parts[1] = " " + ProcedureImport.documentForm(parts[1]) }
            return parts.joined(separator: ";")
        }.joined(separator: "\n")
        d.steps = Self.items(steps).map { step in
            guard let cut = step.lastIndex(of: ";") else { return step }
            return step[..<cut] + "; " + ProcedureImport.time(String(step[step.index(after: cut)...]))
        }.joined(separator: "\n")
        return d
    }
}
