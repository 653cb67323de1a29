import CongvuDomain
import Foundation
import SQLKit

/// The counters (units that receive dossiers) and the rules they apply.
extension DossierStore {
    public func counter(unitID: Int64) async throws -> OneStopCounter? {
        try await database.read { sql in
            try await sql.select().column("*").from("one_stop_counters").where("unit_id", .equal, unitID).first().map(OneStopCounter.decode)
        }
    }

    public func counters() async throws -> [OneStopCounter] {
        try await database.read { sql in
            try await sql.select().column("*").from("one_stop_counters").orderBy("unit_id").all().map(OneStopCounter.decode)
        }
    }

    /// Sets a unit's agency identifier (audited). Two units never share one.
    public func setCounter(_ counter: OneStopCounter, by actor: Actor) async throws {
        var checked = counter
        var errors = ValidationErrors()
        if !DossierCode.isAgency(checked.agencyCode) { errors.add("agency_code", "agency_code_invalid") }
        if let phone = Contact.phone(checked.phone) { checked.phone = phone } else { errors.add("phone", "phone_invalid") }
        try errors.throwIfAny()
        let c = checked
        let kind = database.kind
        try await database.write { sql in
            if let other = try await sql.select().column("unit_id").from("one_stop_counters").where("agency_code", .equal, c.agencyCode).first(),
               try other.decode(column: "unit_id", as: Int64.self) != c.unitID {
                throw StoreError.conflict(field: "agency_code", key: "code_taken")
            }
            try await sql.delete(from: "one_stop_counters").where("unit_id", .equal, c.unitID).run()
            try await sql.insert(into: "one_stop_counters").columns("unit_id", "agency_code", "address", "phone")
                .values(SQLBind(c.unitID), SQLBind(c.agencyCode), SQLBind(c.address), SQLBind(c.phone)).run()
            try await AuditLog.append(.init(action: .update, objectType: "one_stop_counter", objectID: String(c.unitID),
                                            after: AuditJSON.encode(["agency_code": c.agencyCode, "address": c.address, "phone": c.phone])),
                                      by: actor, in: sql, kind: kind)
        }
    }

    public func rules() async throws -> OneStopRuleBook {
        try await database.read { sql in try await OneStopRuleBook.load(sql) }
    }
}
