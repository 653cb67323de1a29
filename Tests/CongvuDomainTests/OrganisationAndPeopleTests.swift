import CongvuDomain
import Testing

@Suite struct UnitRuleTests {
    @Test func administrativeLevelsNestAsTheLawSays() {
        #expect(UnitKind.province.allowsChild(.commune))
        #expect(UnitKind.province.allowsChild(.district))
        #expect(UnitKind.district.allowsChild(.commune))
        #expect(!UnitKind.commune.allowsChild(.commune))
        #expect(!UnitKind.province.allowsChild(.province))
        #expect(UnitKind.commune.allowsChild(.peoplesCommittee))
        #expect(!UnitKind.peoplesCommittee.allowsChild(.ward))
    }

    @Test func aDraftIsCheckedFieldByField() {
        let draft = UnitDraft(parentID: 1, kind: "commune", code: "A B", name: "  ", validFrom: "2025-07-01", validTo: "2025-06-30")
        #expect(throws: ValidationErrors([FieldError("name", "required"), FieldError("code", "code_invalid"),
                                          FieldError("valid_to", "date_before_start")])) {
            try draft.validate(parentKind: .province)
        }
        #expect(throws: ValidationErrors([FieldError("parent_id", "unit_parent_required")])) {
            try UnitDraft(parentID: nil, kind: "ward", code: "", name: "Phường Một").validate(parentKind: nil)
        }
        #expect(throws: ValidationErrors([FieldError("kind", "unit_kind_invalid")])) {
            try UnitDraft(parentID: 1, kind: "kingdom", code: "", name: "X").validate(parentKind: .province)
        }
    }

    @Test func aValidDraftIsTidied() throws {
        let v = try UnitDraft(parentID: 1, kind: "ward", code: "26734", name: "  Phường   Bến Thành ", validFrom: "01/07/2025")
            .validate(parentKind: .province)
        #expect(v.name == "Phường Bến Thành")
        #expect(v.kind == .ward)
        #expect(v.validFrom == Day("2025-07-01"))
    }

    @Test func validityAndPaths() {
        let u = OrgUnit(id: 7, parentID: 1, kind: .commune, code: "X", name: "Xã", validFrom: Day("2025-07-01"), path: "/1/7/")
        #expect(u.isActive(on: Day("2025-07-01")!))
        #expect(!u.isActive(on: Day("2025-06-30")!))
        #expect(OrgUnit.ids(inPath: "/1/7/12/") == [1, 7, 12])
        #expect(OrgUnit.path(parentPath: u.path, id: 12) == "/1/7/12/")
        #expect(u.contains(path: "/1/7/12/"))
        #expect(!u.contains(path: "/1/70/"))
    }
}

@Suite struct PeopleRuleTests {
    let today = Day("2026-11-22")!

    @Test func aPersonIsCheckedFieldByField() {
        let draft = PersonDraft(fullName: "Nguyễn Văn 2", gender: "nam giới", birthDate: "2030-01-01", phone: "12ab",
                                email: "a@b", cardNumber: "12A", terminalPIN: "12")
        #expect(throws: ValidationErrors([FieldError("full_name", "name_has_digits"), FieldError("gender", "gender_invalid"),
                                          FieldError("birth_date", "date_in_future"), FieldError("phone", "phone_invalid"),
                                          FieldError("email", "email_invalid"), FieldError("card_number", "card_invalid"),
                                          FieldError("terminal_pin", "pin_invalid")])) {
            try draft.validate(today: today)
        }
    }

    @Test func vietnameseSpreadsheetValuesAreUnderstood() throws {
        let p = try PersonDraft(fullName: " Lê  Thị Hoa ", gender: "Nữ", birthDate: "05/09/1988", phone: "0912.345.678").validate(today: today)
        #expect(p.fullName == "Lê Thị Hoa")
        #expect(p.gender == .female)
        #expect(p.phone == "0912345678")
        #expect(p.searchKey == "le thi hoa")
        #expect(AssignmentDraft.vietnameseCategory("Công chức") == .civilServant)
        #expect(AssignmentDraft.vietnameseCategory("Người hoạt động không chuyên trách") == .partTime)
        #expect(AssignmentDraft.vietnameseCategory("Viên chức") == .publicEmployee)
        #expect(AssignmentDraft.vietnameseCategory("giám đốc") == nil)
    }

    @Test func aPostHasAStartAndCannotReportToItsHolder() {
        #expect(throws: ValidationErrors([FieldError("unit_id", "required"), FieldError("title", "required"),
                                          FieldError("valid_from", "required"), FieldError("reports_to", "reports_to_self")])) {
            try AssignmentDraft(unitID: nil, title: "", category: "cadre", isLeader: false, reportsTo: 5, validFrom: "").validate(personID: 5)
        }
        let a = Assignment(id: 1, personID: 1, unitID: 1, title: "Chủ tịch", category: .cadre, isLeader: true,
                           validFrom: Day("2025-07-01")!, validTo: Day("2026-06-30"))
        #expect(a.isActive(on: Day("2026-06-30")!))
        #expect(!a.isActive(on: Day("2026-07-01")!))
    }
}
