import CongvuDomain
import Foundation
import Testing

@Suite struct AbsenceRuleTests {
    let filed = at("2026-06-04 16:00")

    @Test func aNoticeNeedsWhereWhyAndAWindow() throws {
        #expect(throws: ValidationErrors([FieldError("purpose", "required"), FieldError("place", "required"), FieldError("to", "date_before_start")])) {
            try AbsenceDraft(kind: "notice", place: " ", purpose: "", from: at("2026-06-05 13:30"), to: at("2026-06-05 13:00"))
                .validate(personID: 1, filedAt: filed)
        }
        #expect(throws: ValidationErrors([FieldError("kind", "absence_kind_invalid")])) {
            try AbsenceDraft(kind: "holiday", place: "", purpose: "x", from: at("2026-06-05 07:00"), to: at("2026-06-05 17:00"))
                .validate(personID: 1, filedAt: filed)
        }
        let r = try AbsenceDraft(kind: "sick_leave", place: "", purpose: "Ốm", from: at("2026-06-05 07:00"), to: at("2026-06-05 17:00"))
            .validate(personID: 1, filedAt: filed)
        #expect(r.status == .pending)
        #expect(!r.filedLate)
        #expect(r.excuse == nil)  // not approved yet
        var late = r
        late.filedAt = at("2026-06-05 09:00")
        #expect(late.filedLate)
        late.status = .approved
        #expect(late.excuse?.from == at("2026-06-05 07:00"))
    }

    func leader(_ path: String, personID: Int64) -> Principal {
        Principal(userID: personID + 100, username: "u", displayName: "U", personID: personID,
                  grants: [Grant(role: .leader, unitID: OrgUnit.ids(inPath: path).last!, unitPath: path)])
    }

    @Test func leadersDecideForTheirStaffAndTheLevelAboveForLeaders() {
        let commune = "/1/4/", committee = "/1/4/10/", province = "/1/"
        let chairman = leader(commune, personID: 7)
        let deputy = leader(commune, personID: 8)
        let governor = leader(province, personID: 9)
        // A civil servant of the committee: the commune's leaders decide.
        #expect(AbsenceRules.mayDecide(chairman, personID: 20, personUnitPaths: [committee], personLeaderPaths: []))
        #expect(!AbsenceRules.mayDecide(leader("/1/5/", personID: 30), personID: 20, personUnitPaths: [committee], personLeaderPaths: []))
        // Nobody decides their own; a leader's request goes above the commune.
        #expect(!AbsenceRules.mayDecide(chairman, personID: 7, personUnitPaths: [committee], personLeaderPaths: [commune]))
        #expect(!AbsenceRules.mayDecide(deputy, personID: 7, personUnitPaths: [committee], personLeaderPaths: [commune]))
        #expect(AbsenceRules.mayDecide(governor, personID: 7, personUnitPaths: [committee], personLeaderPaths: [commune]))
        // Other roles do not decide.
        let office = Principal(userID: 1, username: "vp", displayName: "VP", grants: [Grant(role: .unitAdmin, unitID: 4, unitPath: commune)])
        #expect(!AbsenceRules.mayDecide(office, personID: 20, personUnitPaths: [committee], personLeaderPaths: []))
    }
}
